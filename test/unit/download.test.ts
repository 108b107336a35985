import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { downloadVideo, type DownloadOptions } from '../../src/api/download.js';
import { identityOf, PartFile } from '../../src/api/download-part.js';
import { DownloadError } from '../../src/core/errors.js';
import { startSim, type Sim } from '../../src/sim/index.js';
import { doneTask } from '../sim/helpers.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const MiB = 1024 * 1024;

describe('downloadVideo against an in-process veo-sim', () => {
  let sim: Sim;
  let dir: string;
  let n = 0;
  const target = () => join(dir, `clip-${++n}.mp4`);
  const fileRequests = () => sim.requests.filter((r) => r.origin === 'file');
  before(async () => {
    sim = await startSim({ taskMs: 1 });
    dir = await mkdtemp(join(tmpdir(), 'veo-download-'));
  });
  beforeEach(() => sim.configure({ videoBytes: 2 * MiB }));
  afterEach(() => {
    sim.clearFaults();
    sim.requests.length = 0;
  });
  after(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  const download = (url: string, path: string, extra: Partial<DownloadOptions> = {}) =>
    downloadVideo({ url, path, timeoutMs: 2000, retryBaseMs: 5, apiOrigin: sim.baseUrl, ...extra });

  it("never resumes task A's part into task B's download to the same path", async () => {
    const a = await doneTask(sim);
    const path = target();
    sim.inject('file', { kind: 'drop', afterBytes: 500_000 });
    await assert.rejects(download(a.url, path, { taskId: a.id, attempts: 1 }), DownloadError);
    assert.ok((await stat(`${path}.part`)).size > 0);
    sim.configure({ videoBytes: 3 * MiB });
    const b = await doneTask(sim);
    sim.requests.length = 0;
    const warnings: string[] = [];
    const saved = await download(b.url, path, { taskId: b.id, onWarning: (w) => warnings.push(w) });
    assert.deepEqual(
      fileRequests().map((r) => r.headers.range),
      [undefined],
    );
    assert.match(warnings.join('\n'), /leftover .*\.part of another video/);
    assert.equal(saved.sha256, await sim.video().sha256());
    assert.equal(sha256(await readFile(path)), await sim.video().sha256());
  });

  it('resumes with If-Range: the ETag the host gave, or its Last-Modified when it gave no ETag', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    sim.inject('file', { kind: 'drop', afterBytes: 500_000 });
    await download(url, path, { taskId: id });
    assert.equal(fileRequests()[1]?.headers['if-range'], sim.video().etag);

    sim.requests.length = 0;
    const dated = target();
    const lastModified = 'Sun, 29 Nov 2026 10:00:00 GMT';
    const part = new PartFile(dated, identityOf(new URL(url), id));
    await part.describe({ lastModified }, sim.video().size);
    const handle = await part.openAt(0);
    await handle.write(await sim.video().bytes(0, 500_000));
    await handle.close();
    await download(url, dated, { taskId: id });
    assert.equal(fileRequests()[0]?.headers.range, 'bytes=500000-');
    assert.equal(fileRequests()[0]?.headers['if-range'], lastModified);
    assert.equal(sha256(await readFile(dated)), await sim.video().sha256());
  });

  it('starts over, with a warning, when the video changed on the host since the part was saved', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    sim.inject('file', { kind: 'drop', afterBytes: 500_000 });
    await assert.rejects(download(url, path, { taskId: id, attempts: 1 }));
    sim.configure({ videoBytes: 2 * MiB + 1 });
    sim.requests.length = 0;
    const warnings: string[] = [];
    await download(url, path, { taskId: id, onWarning: (w) => warnings.push(w) });
    assert.match(fileRequests()[0]?.headers.range ?? '', /^bytes=\d+-$/);
    assert.match(warnings.join('\n'), /changed on the file host/);
    assert.equal(sha256(await readFile(path)), await sim.video().sha256());
  });

  it('starts over when a host honouring Range but not If-Range answers for another version', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    const part = new PartFile(path, identityOf(new URL(url), id));
    await part.describe({ etag: '"an older version"' }, sim.video().size);
    const handle = await part.openAt(0);
    await handle.write(Buffer.alloc(500_000, 1));
    await handle.close();
    sim.inject('file', { kind: 'ignore-if-range' });
    const saved = await download(url, path, { taskId: id });
    assert.deepEqual(
      fileRequests().map((r) => [r.headers.range, r.headers['if-range']]),
      [
        ['bytes=500000-', '"an older version"'],
        [undefined, undefined],
      ],
    );
    assert.equal(saved.sha256, await sim.video().sha256());
  });

  it('never saves a body without Content-Length that ends half way; the next try resumes it', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    sim.inject('file', { kind: 'no-length', afterBytes: MiB });
    await assert.rejects(download(url, path, { taskId: id, attempts: 1 }), (error: unknown) => {
      assert.ok(error instanceof DownloadError);
      assert.equal(error.code, 'TRUNCATED');
      assert.match(error.message, /before the end of the video: the file ends inside "mdat"/);
      return true;
    });
    assert.ok(!existsSync(path));
    assert.equal((await stat(`${path}.part`)).size, MiB);
    sim.requests.length = 0;
    sim.inject('file', { kind: 'no-length' });
    await download(url, path, { taskId: id });
    assert.deepEqual(
      fileRequests().map((r) => r.headers.range),
      [`bytes=${MiB}-`],
    );
    assert.equal(sha256(await readFile(path)), await sim.video().sha256());
  });

  it('gives up on a host that sends half, resets and ignores Range, after a bounded number of requests', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    sim.inject('file', { kind: 'drop-from-start', afterBytes: MiB }, Infinity);
    await assert.rejects(download(url, path, { taskId: id }), DownloadError);
    assert.ok(fileRequests().length <= 6, `${fileRequests().length} requests`);
    assert.ok(!existsSync(path));
  });

  it('does not loop on a 206 for a range nobody asked for', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    sim.inject('file', { kind: 'wrong-range' }, Infinity);
    await assert.rejects(download(url, path, { taskId: id }), /range that was not asked for/);
    assert.equal(fileRequests().length, 5);
    assert.ok(!existsSync(path));
  });

  it('finishes a part that already holds the whole video from the 416 answer, after checking it', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    const part = new PartFile(path, identityOf(new URL(url), id));
    await part.describe({ etag: sim.video().etag }, sim.video().size);
    const handle = await part.openAt(0);
    await handle.write(await sim.video().bytes());
    await handle.close();
    const saved = await download(url, path, { taskId: id });
    assert.deepEqual(
      fileRequests().map((r) => r.headers.range),
      [`bytes=${sim.video().size}-`],
    );
    assert.equal(saved.sha256, await sim.video().sha256());
    assert.ok(!existsSync(`${path}.part`) && !existsSync(`${path}.part.json`) && !existsSync(`${path}.claim`));
  });

  it('stops at the overall deadline, keeping the part', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    sim.inject('file', { kind: 'drip', bytes: 64 * 1024, everyMs: 10 });
    await assert.rejects(download(url, path, { taskId: id, deadlineMs: 100 }), { code: 'DOWNLOAD_DEADLINE' });
    assert.ok(!existsSync(path));
    assert.ok(existsSync(`${path}.part`));
  });

  it('drops the part of a link that expired: nothing can resume it', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    sim.inject('file', { kind: 'drop', afterBytes: 500_000 });
    sim.inject('file', { kind: 'expired' });
    await assert.rejects(download(url, path, { taskId: id }), { code: 'LINK_EXPIRED' });
    assert.ok(!existsSync(`${path}.part`) && !existsSync(`${path}.part.json`) && !existsSync(`${path}.claim`));
  });

  it('keeps to the address policy: a loopback link from a remote API is refused at once, never retried', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    await assert.rejects(download(url, path, { taskId: id, apiOrigin: 'https://api.example.com' }), {
      code: 'LOCAL_ADDRESS_REFUSED',
    });
    assert.equal(fileRequests().length, 0);
    assert.ok(!existsSync(path) && !existsSync(`${path}.claim`));
  });

  it('two downloads to one target: one fetches, the other reports it already saved', async () => {
    const { id, url } = await doneTask(sim);
    const path = target();
    const warnings: string[][] = [[], []];
    const results = await Promise.all(
      [0, 1].map((i) => download(url, path, { taskId: id, onWarning: (w) => warnings[i]?.push(w) })),
    );
    const waiter = results.findIndex((r) => r.alreadySaved);
    assert.notEqual(waiter, -1);
    assert.equal(results.filter((r) => r.alreadySaved).length, 1);
    assert.equal(results[0]?.sha256, results[1]?.sha256);
    assert.equal(sha256(await readFile(path)), await sim.video().sha256());
    assert.equal(fileRequests().length, 1);
    assert.match(warnings[waiter]?.join('\n') ?? '', new RegExp(`another veo \\(pid ${process.pid}\\) is saving`));
  });
});
