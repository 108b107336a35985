import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { SAMPLE_PATH } from '../../src/sim/video.js';
import { useWorld } from '../helpers/cli.js';

const HAVE_FFMPEG = ['ffprobe', 'ffmpeg'].every((tool) => spawnSync(tool, ['-version']).status === 0);
const NO_FFMPEG = 'Debian package ffmpeg is not installed: ffprobe and ffmpeg check the tags and the streams';
const PROMPT = 'a "paper" boat\non a rainy street: кораблик под дождём';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function formatTags(path: string): Record<string, string> {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_format', '-of', 'json', path], { encoding: 'utf8' });
  return (JSON.parse(out) as { format: { tags?: Record<string, string> } }).format.tags ?? {};
}

/** A hash of every packet of every stream, as ffmpeg demuxes them: equal only when no media byte changed. */
function streamsHash(path: string): string {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', '0', '-c', 'copy', '-f', 'hash', '-'], {
    encoding: 'utf8',
  }).trim();
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
}

function needsFfmpeg(t: TestContext): boolean {
  if (!HAVE_FFMPEG) t.skip(NO_FFMPEG);
  return HAVE_FFMPEG;
}

interface JournalLine {
  id?: string;
  sha256?: string;
  bytes?: number;
  savedFile?: { bytes: number; sha256: string } | null;
}

async function savedLine(configDir: string, id: string): Promise<JournalLine | undefined> {
  const lines = (await readFile(join(configDir, 'journal.jsonl'), 'utf8')).trim().split('\n');
  return lines
    .map((line) => JSON.parse(line) as JournalLine)
    .filter((line) => line.id === id && line.sha256 !== undefined)
    .at(-1);
}

describe('--embed-metadata on the clip veo-sim serves (moov before mdat)', () => {
  const world = useWorld({ taskMs: 1 });

  it('writes title, description and comment; the streams are bit-identical; the journal keeps both hashes', async (t) => {
    const run = await world.veo(['create', PROMPT, '--ar', '9:16', '-o', 'clip.mp4', '--embed-metadata', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const document = JSON.parse(run.stdout) as {
      id: string;
      download: { bytes: number; sha256: string; metadata: { embedded: boolean; bytes: number; sha256: string } };
    };
    const path = join(world.workDir, 'clip.mp4');
    const saved = await readFile(path);
    const served = await world.sim.video().sha256();
    assert.equal(document.download.sha256, served, 'sha256 stays the hash of the video as served');
    assert.equal(document.download.metadata.embedded, true);
    assert.equal(document.download.metadata.sha256, sha256(saved));
    assert.notEqual(sha256(saved), served);
    const line = await savedLine(world.configDir, document.id);
    assert.equal(line?.sha256, served);
    assert.deepEqual(line?.savedFile, { bytes: saved.length, sha256: sha256(saved) });
    assert.deepEqual(
      (await readdir(world.workDir)).filter((name) => name.startsWith('clip')),
      ['clip.mp4'],
      'no part or tagged copy is left',
    );
    // The journal knows the tagged file as this video: a second download finds it already saved.
    const again = await world.veo(['download', document.id, '-o', 'clip.mp4']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already saved/);
    if (!needsFfmpeg(t)) return;
    const tags = formatTags(path);
    assert.equal(tags.title, PROMPT);
    assert.equal(tags.description, PROMPT);
    const settings = JSON.parse(tags.comment ?? '') as Record<string, unknown>;
    assert.equal(settings.taskId, document.id);
    assert.equal(settings.model, 'glabs-veo-3-1-fast');
    assert.equal(settings.ar, '9:16');
    assert.equal(settings.image, null);
    assert.match(String(settings.createdAt), /^\d{4}-\d\d-\d\dT/);
    assert.match(String(settings.doneAt), /^\d{4}-\d\d-\d\dT/);
    assert.equal(typeof settings.veo, 'string');
    assert.equal(streamsHash(path), streamsHash(SAMPLE_PATH));
  });

  it('the embed-metadata setting makes it the default, and --no-embed-metadata saves the video as served', async () => {
    const id = (await world.veo(['create', PROMPT])).stdout.trim();
    const set = await world.veo(['config', 'set', 'embed-metadata', 'yes']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await world.veo(['config', 'get', 'embed-metadata'])).stdout.trim(), 'true');
    const bad = await world.veo(['config', 'set', 'embed-metadata', 'maybe']);
    assert.equal(bad.code, 2, bad.stderr);
    try {
      const tagged = await world.veo(['download', id, '-o', 'by-setting.mp4']);
      assert.equal(tagged.code, 0, tagged.stderr);
      const plain = await world.veo(['download', id, '-o', 'as-served.mp4', '--no-embed-metadata']);
      assert.equal(plain.code, 0, plain.stderr);
      const served = await world.sim.video().sha256();
      assert.equal(sha256(await readFile(join(world.workDir, 'as-served.mp4'))), served);
      const bySetting = await readFile(join(world.workDir, 'by-setting.mp4'));
      assert.notEqual(sha256(bySetting), served);
      assert.ok(bySetting.includes(Buffer.from(PROMPT, 'utf8')));
    } finally {
      await world.veo(['config', 'unset', 'embed-metadata']);
    }
  });

  it('sync and batch embed too', async () => {
    const id = (await world.veo(['create', PROMPT])).stdout.trim();
    const sync = await world.veo(['sync', '--dir', 'synced', '--embed-metadata']);
    assert.equal(sync.code, 0, sync.stderr);
    const synced = await readFile(join(world.workDir, 'synced', `${id}.mp4`));
    assert.ok(synced.includes(Buffer.from(PROMPT, 'utf8')));
    await writeFile(join(world.workDir, 'list.txt'), 'a lighthouse: маяк\n');
    const batch = await world.veo(['batch', 'list.txt', '--dir', 'batched', '--embed-metadata', '--json']);
    assert.equal(batch.code, 0, batch.stderr);
    const [name] = await readdir(join(world.workDir, 'batched'));
    assert.ok((await readFile(join(world.workDir, 'batched', name ?? ''))).includes(Buffer.from('маяк', 'utf8')));
  });
});

describe('--embed-metadata on other layouts, served from a local file host', () => {
  const world = useWorld({ taskMs: 1 });
  const files = new Map<string, Buffer>();
  let server: Server;
  let host: string;
  let id: string;
  let dir: string;

  before(async () => {
    server = createServer((request, response) => {
      const body = files.get(request.url ?? '');
      if (!body) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    id = (await world.veo(['create', PROMPT, '--ar', '16:9'])).stdout.trim();
    dir = world.workDir;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Serves `source` under a name of the task, saves it with tags, and checks tags and streams against it. */
  async function embedsInto(source: string, name: string): Promise<Buffer> {
    files.set(`/${name}/${id}.mp4`, await readFile(source));
    const run = await world.veo(['download', `${host}/${name}/${id}.mp4`, '-o', `${name}.mp4`, '--embed-metadata']);
    assert.equal(run.code, 0, run.stderr);
    const saved = join(dir, `${name}.mp4`);
    const tags = formatTags(saved);
    assert.equal(tags.title, PROMPT);
    assert.equal((JSON.parse(tags.comment ?? '{}') as { ar?: string }).ar, '16:9');
    assert.equal(streamsHash(saved), streamsHash(source));
    return readFile(saved);
  }

  it('moov after mdat', async (t) => {
    if (!needsFfmpeg(t)) return;
    ffmpeg(['-i', SAMPLE_PATH, '-map', '0', '-c', 'copy', join(dir, 'moov-last.mp4')]);
    const original = await readFile(join(dir, 'moov-last.mp4'));
    assert.ok(original.indexOf('mdat', 0, 'latin1') < original.indexOf('moov', 0, 'latin1'));
    await embedsInto(join(dir, 'moov-last.mp4'), 'tagged-moov-last');
  });

  it('a faststart file made by ffmpeg (moov before mdat: every chunk offset moves)', async (t) => {
    if (!needsFfmpeg(t)) return;
    ffmpeg(['-i', SAMPLE_PATH, '-map', '0', '-c', 'copy', join(dir, 'plain.mp4')]);
    ffmpeg(['-i', join(dir, 'plain.mp4'), '-map', '0', '-c', 'copy', '-movflags', '+faststart', join(dir, 'fast.mp4')]);
    const original = await readFile(join(dir, 'fast.mp4'));
    assert.ok(original.indexOf('moov', 0, 'latin1') < original.indexOf('mdat', 0, 'latin1'));
    await embedsInto(join(dir, 'fast.mp4'), 'tagged-fast');
  });

  it('a file that already has tags: ours replace title, description and comment, the others stay', async (t) => {
    if (!needsFfmpeg(t)) return;
    const source = join(dir, 'has-tags.mp4');
    ffmpeg([
      '-i',
      SAMPLE_PATH,
      '-map',
      '0',
      '-c',
      'copy',
      '-metadata',
      'title=old title',
      '-metadata',
      'comment=old',
      '-metadata',
      'artist=Someone',
      source,
    ]);
    assert.equal(formatTags(source).title, 'old title');
    await embedsInto(source, 'retagged');
    const tags = formatTags(join(dir, 'retagged.mp4'));
    assert.equal(tags.artist, 'Someone');
    assert.notEqual(tags.comment, 'old');
  });

  it('a fragmented MP4 is saved as served, with a warning and metadata.embedded false', async (t) => {
    if (!needsFfmpeg(t)) return;
    const source = join(dir, 'fragmented.mp4');
    ffmpeg(['-i', SAMPLE_PATH, '-map', '0', '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov', source]);
    files.set(`/fragmented/${id}.mp4`, await readFile(source));
    const url = `${host}/fragmented/${id}.mp4`;
    const run = await world.veo(['download', url, '-o', 'fragmented-saved.mp4', '--embed-metadata', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { metadata: { embedded: boolean; problem: string } };
    assert.equal(summary.metadata.embedded, false);
    assert.match(summary.metadata.problem, /fragmented/);
    assert.match(run.stderr, /"warning".*could not be embedded/);
    assert.ok((await readFile(join(dir, 'fragmented-saved.mp4'))).equals(await readFile(source)));
  });
});

describe('--embed-metadata on a hostile file', () => {
  const world = useWorld({ taskMs: 1 });
  let server: Server;
  let served: Buffer;

  /** ftyp, then a moov of `depth` trak boxes each inside the one before, then a small mdat. */
  function deeplyNested(depth: number): Buffer {
    const box = (size: number, type: string) => {
      const header = Buffer.alloc(8);
      header.writeUInt32BE(size, 0);
      header.write(type, 4, 'latin1');
      return header;
    };
    const ftyp = Buffer.concat([box(16, 'ftyp'), Buffer.from('isom\0\0\0\0', 'latin1')]);
    const nested = Array.from({ length: depth }, (_, level) => box((depth - level) * 8, 'trak'));
    const moov = Buffer.concat([box(8 + depth * 8, 'moov'), ...nested]);
    const mdat = Buffer.concat([box(24, 'mdat'), Buffer.alloc(16, 0x42)]);
    return Buffer.concat([ftyp, moov, mdat]);
  }

  before(async () => {
    served = deeplyNested(200_000);
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': served.length }).end(served);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a moov of 200,000 nested boxes is saved as served, with a warning and metadata.embedded false', async () => {
    const id = (await world.veo(['create', PROMPT, '--ar', '16:9'])).stdout.trim();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/deep/${id}.mp4`;
    const run = await world.veo(['download', url, '-o', 'deep.mp4', '--embed-metadata', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { metadata: { embedded: boolean; problem: string } };
    assert.equal(summary.metadata.embedded, false);
    assert.match(summary.metadata.problem, /nest/);
    assert.match(run.stderr, /"warning".*could not be embedded/);
    assert.ok((await readFile(join(world.workDir, 'deep.mp4'))).equals(served));
    assert.deepEqual(
      (await readdir(world.workDir)).filter((name) => name.startsWith('deep.mp4.')),
      [],
    );
  });
});
