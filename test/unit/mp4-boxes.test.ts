import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkMp4, checkMp4File, Mp4StreamCheck, type Mp4Verdict } from '../../src/api/mp4-boxes.js';
import { SAMPLE_PATH } from '../../src/sim/video.js';

function box(type: string, payload: number, size = 8 + payload): Buffer {
  const bytes = Buffer.alloc(8 + payload, 0x61);
  bytes.writeUInt32BE(size, 0);
  bytes.write(type, 4, 'latin1');
  return bytes;
}

function largeBox(type: string, payload: number): Buffer {
  const bytes = Buffer.alloc(16 + payload, 0x62);
  bytes.writeUInt32BE(1, 0);
  bytes.write(type, 4, 'latin1');
  bytes.writeBigUInt64BE(BigInt(16 + payload), 8);
  return bytes;
}

const inMemory = (data: Buffer) =>
  checkMp4(async (offset, length) => data.subarray(offset, offset + length), data.length);

/** The stream walk must agree with the file walk whatever the chunking. */
async function streamed(data: Buffer, chunk: number): Promise<Mp4Verdict> {
  const check = new Mp4StreamCheck();
  for (let at = 0; at < data.length; at += chunk) check.feed(data.subarray(at, at + chunk));
  return check.verdict();
}

describe('MP4 structure check', () => {
  let sample: Buffer;
  let dir: string;
  before(async () => {
    sample = await readFile(SAMPLE_PATH);
    dir = await mkdtemp(join(tmpdir(), 'veo-mp4-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('accepts the real sample clip: ftyp, moov, free, mdat', async () => {
    assert.deepEqual(await inMemory(sample), { ok: true, boxes: ['ftyp', 'moov', 'free', 'mdat'] });
    const path = join(dir, 'sample.mp4');
    await writeFile(path, sample);
    assert.deepEqual(await checkMp4File(path), { ok: true, boxes: ['ftyp', 'moov', 'free', 'mdat'] });
  });

  it('accepts a 64-bit largesize and a last box of size 0 (to the end of the file)', async () => {
    const file = Buffer.concat([box('ftyp', 24), largeBox('moov', 40), box('mdat', 500, 0)]);
    assert.deepEqual(await inMemory(file), { ok: true, boxes: ['ftyp', 'moov', 'mdat'] });
  });

  it('calls a file cut short truncated, wherever the cut falls', async () => {
    for (const cut of [1, 7, 100, sample.length - 77_249, sample.length - 8, sample.length - 3]) {
      const verdict = await inMemory(sample.subarray(0, sample.length - cut));
      assert.equal(verdict.ok, false, `cut ${cut}`);
      assert.equal(verdict.ok === false && verdict.truncated, true, `cut ${cut}: ${JSON.stringify(verdict)}`);
    }
  });

  it('refuses bytes past the last box, a missing moov or mdat, and what is no MP4 at all', async () => {
    const extra = await inMemory(Buffer.concat([sample, Buffer.from('trailing junk')]));
    assert.equal(extra.ok, false);
    const noMoov = await inMemory(Buffer.concat([box('ftyp', 24), box('mdat', 100)]));
    assert.ok(!noMoov.ok && /"moov"/.test(noMoov.problem));
    const html = await inMemory(Buffer.from('<!DOCTYPE html><html><body>Sign in</body></html>'));
    assert.ok(!html.ok && !html.truncated);
    const mdatFirst = await inMemory(Buffer.concat([box('mdat', 10), box('ftyp', 24), box('moov', 8)]));
    assert.ok(!mdatFirst.ok && !mdatFirst.truncated);
    const impossible = await inMemory(Buffer.concat([box('ftyp', 24), box('moov', 8, 4)]));
    assert.ok(!impossible.ok && /impossible size/.test(impossible.problem));
  });

  it('walks a stream to the same verdict, fed in any chunk size', async () => {
    const cases = [
      sample,
      sample.subarray(0, sample.length - 500),
      Buffer.concat([box('ftyp', 24), largeBox('moov', 40), box('mdat', 500, 0)]),
      Buffer.concat([sample, Buffer.from('junk')]),
      Buffer.from('<html>not a video</html>'),
    ];
    for (const data of cases) {
      const expected = await inMemory(data);
      for (const chunk of [1, 3, 7, 16, 1000, 65_536]) assert.deepEqual(await streamed(data, chunk), expected);
    }
  });
});
