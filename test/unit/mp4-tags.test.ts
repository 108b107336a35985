import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBox, Mp4LayoutError, shiftChunkOffsets } from '../../src/api/mp4-box-tree.js';
import { embedTags, readClipTags } from '../../src/api/mp4-embed.js';
import { moovWithTags, readTagItems, tagsOf } from '../../src/api/mp4-tags.js';
import { SAMPLE_PATH } from '../../src/sim/video.js';

const u32 = (value: number) => Buffer.from([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);

function stco(offsets: number[]): Buffer {
  return makeBox('stco', u32(0), u32(offsets.length), ...offsets.map(u32));
}

function co64(offsets: bigint[]): Buffer {
  return makeBox(
    'co64',
    u32(0),
    u32(offsets.length),
    ...offsets.map((offset) => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64BE(offset);
      return bytes;
    }),
  );
}

function track(table: Buffer): Buffer {
  return makeBox('trak', makeBox('mdia', makeBox('minf', makeBox('stbl', makeBox('stsz', Buffer.alloc(12)), table))));
}

function tableEntries(moov: Buffer, type: 'stco' | 'co64'): number[] {
  const at = moov.indexOf(type, 0, 'latin1');
  const count = moov.readUInt32BE(at + 8);
  return Array.from({ length: count }, (_, index) =>
    type === 'stco' ? moov.readUInt32BE(at + 12 + index * 4) : Number(moov.readBigUInt64BE(at + 12 + index * 8)),
  );
}

describe('chunk offsets', () => {
  it('moves stco and co64 entries at or past the old end of moov, in every track, and no others', () => {
    const moov = makeBox('moov', track(stco([50, 1000, 2000])), track(co64([40n, 5_000_000_000n])));
    const fixed = shiftChunkOffsets(moov, 37, 1000, { start: 100, end: 1000 });
    assert.equal(fixed, 5);
    assert.deepEqual(tableEntries(moov, 'stco'), [50, 1037, 2037]);
    assert.deepEqual(tableEntries(moov, 'co64'), [40, 5_000_000_037]);
  });

  it('moves them back when moov shrank', () => {
    const moov = makeBox('moov', track(stco([4000])));
    shiftChunkOffsets(moov, -10, 3000, { start: 0, end: 3000 });
    assert.deepEqual(tableEntries(moov, 'stco'), [3990]);
  });

  it('refuses an offset that would overflow a 32-bit stco', () => {
    const moov = makeBox('moov', track(stco([0xffff_fff0])));
    assert.throws(() => shiftChunkOffsets(moov, 100, 10, { start: 0, end: 10 }), /32-bit/);
  });

  it('refuses an offset that points inside moov, and a table that claims more entries than it holds', () => {
    assert.throws(
      () => shiftChunkOffsets(makeBox('moov', track(stco([120]))), 8, 500, { start: 100, end: 500 }),
      /inside the "moov"/,
    );
    const lying = stco([10]);
    lying.writeUInt32BE(1000, 12);
    assert.throws(() => shiftChunkOffsets(makeBox('moov', track(lying)), 8, 0, { start: 0, end: 0 }), /more entries/);
  });

  it('refuses boxes inside moov with a 64-bit size or size 0', () => {
    const large = makeBox('moov', makeBox('trak', Buffer.alloc(8)));
    large.writeUInt32BE(1, 8);
    assert.throws(() => shiftChunkOffsets(large, 8, 0, { start: 0, end: 0 }), Mp4LayoutError);
    const open = makeBox('moov', makeBox('trak', Buffer.alloc(8)));
    open.writeUInt32BE(0, 8);
    assert.throws(() => shiftChunkOffsets(open, 8, 0, { start: 0, end: 0 }), /size 0/);
  });
});

describe('tags in moov', () => {
  const tags = { title: 'a "boat"\nпод дождём', description: 'd', comment: '{"model":"veo-3.1-fast"}' };

  it('adds udta/meta/ilst to a moov without one, and reads them back', () => {
    const tagged = moovWithTags(makeBox('moov', makeBox('mvhd', Buffer.alloc(100))), tags);
    assert.deepEqual(tagsOf(readTagItems(tagged)), tags);
    assert.ok(tagged.includes(Buffer.from('mdirappl', 'latin1')));
  });

  it('replaces its own items in an existing ilst and keeps the others', () => {
    const item = (type: string, text: string) =>
      makeBox(type, makeBox('data', u32(1), u32(0), Buffer.from(text, 'utf8')));
    const hdlr = makeBox('hdlr', Buffer.alloc(8), Buffer.from('mdirappl', 'latin1'), Buffer.alloc(9));
    const ilst = makeBox('ilst', item('\u00a9ART', 'someone'), item('\u00a9nam', 'old'), item('\u00a9too', 'enc'));
    const udta = makeBox('udta', makeBox('\u00a9xyz', Buffer.alloc(6)), makeBox('meta', u32(0), hdlr, ilst));
    const again = moovWithTags(makeBox('moov', makeBox('mvhd', Buffer.alloc(100)), udta), tags);
    const items = readTagItems(again);
    assert.deepEqual([...items.keys()], ['\u00a9ART', '\u00a9too', '\u00a9nam', 'desc', '\u00a9cmt']);
    assert.deepEqual(tagsOf(items), tags);
    assert.equal(items.get('\u00a9ART'), 'someone');
    assert.ok(again.includes(Buffer.from('\u00a9xyz', 'latin1')), 'other udta boxes are kept');
  });

  it('refuses a fragmented file and a meta with another handler', () => {
    assert.throws(() => moovWithTags(makeBox('moov', makeBox('mvex', Buffer.alloc(4))), tags), /fragmented/);
    const hdlr = makeBox('hdlr', Buffer.alloc(8), Buffer.from('mdta', 'latin1'), Buffer.alloc(13));
    const odd = makeBox('moov', makeBox('udta', makeBox('meta', Buffer.alloc(4), hdlr)));
    assert.throws(() => moovWithTags(odd, tags), /handler "mdta"/);
  });
});

describe('embedTags on the bundled sample', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'veo-tags-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('copies every byte of the media and only grows moov', async () => {
    const tagged = join(dir, 'tagged.mp4');
    const result = await embedTags(SAMPLE_PATH, tagged, { title: 'x' });
    const [before, after] = [await readFile(SAMPLE_PATH), await readFile(tagged)];
    assert.equal(result.bytes, after.length);
    const mdat = before.indexOf('mdat', 0, 'latin1') + 4;
    const grown = after.length - before.length;
    assert.ok(grown > 0);
    assert.ok(before.subarray(mdat).equals(after.subarray(mdat + grown)), 'the media data is unchanged');
    assert.deepEqual((await readClipTags(tagged)).tags, { title: 'x' });
  });

  it('refuses a top-level box of size 0 and leaves no output behind', async () => {
    const sample = Buffer.from(await readFile(SAMPLE_PATH));
    sample.writeUInt32BE(0, sample.indexOf('mdat', 0, 'latin1') - 4);
    const source = join(dir, 'open-ended.mp4');
    await writeFile(source, sample);
    await assert.rejects(embedTags(source, join(dir, 'never.mp4'), { title: 'x' }), /size 0/);
    await assert.rejects(readFile(join(dir, 'never.mp4')), { code: 'ENOENT' });
  });
});
