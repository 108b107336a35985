import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSim, type Sim } from '../../src/sim/index.js';
import { checkMp4 } from '../../src/api/mp4-boxes.js';
import { syntheticSource } from '../../src/sim/video.js';
import { call, createTask, doneTask } from './helpers.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The connection ended without the body completing (a reset or a close short of Content-Length). */
  broken: boolean;
}

/** node:http rather than fetch: it shows the framing (chunked or not) and lets a test stop reading early. */
function rawGet(url: string, headers: Record<string, string> = {}, stopAfter = Infinity): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (broken: boolean) => {
        if (done) return;
        done = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), broken });
      };
      res.on('data', (chunk: Buffer) => {
        parts.push(chunk);
        size += chunk.length;
        if (size >= stopAfter) {
          finish(false);
          req.destroy();
        }
      });
      res.on('end', () => finish(!res.complete));
      res.on('error', () => finish(true));
      res.on('aborted', () => finish(true));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('veo-sim body shapes', () => {
  let sim: Sim;
  let url: string;
  before(async () => {
    sim = await startSim({ taskMs: 1, videoBytes: 300_000 });
    ({ url } = await doneTask(sim));
  });
  afterEach(() => sim.clearFaults());
  after(() => sim.close());

  it('no-length: chunked, without Content-Length; with afterBytes it ends cleanly there', async () => {
    sim.inject('file', { kind: 'no-length' });
    const whole = await rawGet(url);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-length'], undefined);
    assert.equal(whole.headers['transfer-encoding'], 'chunked');
    assert.deepEqual(whole.body, await sim.video().bytes());
    sim.inject('file', { kind: 'no-length', afterBytes: 1234 });
    const half = await rawGet(url);
    assert.equal(half.broken, false, 'a clean end');
    assert.deepEqual(half.body, await sim.video().bytes(0, 1234));
  });

  it('drip: the real headers, the body a few bytes at a time', async () => {
    sim.inject('result', { kind: 'drip', bytes: 40, everyMs: 5 });
    const id = await createTask(sim);
    const started = sim.requests.length;
    const answer = await call(sim, '/v1/media/result', { body: { task_id: id } });
    assert.equal(answer.json.id, id);
    assert.equal(sim.requests.slice(started).find((r) => r.route === 'result')?.fault, 'drip');
  });

  it('endless: past the end of the video the body goes on, with no Content-Length', async () => {
    sim.inject('file', { kind: 'endless' });
    const size = sim.video().size;
    const got = await rawGet(url, {}, size * 3);
    assert.equal(got.headers['content-length'], undefined);
    assert.ok(got.body.length >= size * 3);
    assert.deepEqual(got.body.subarray(0, size), await sim.video().bytes());
  });

  it('wrong-range: a 206 for bytes that were not asked for', async () => {
    sim.inject('file', { kind: 'wrong-range' });
    const got = await rawGet(url, { range: 'bytes=5000-' });
    assert.equal(got.status, 206);
    assert.equal(got.headers['content-range'], `bytes 6000-${sim.video().size - 1}/${sim.video().size}`);
    assert.deepEqual(got.body, await sim.video().bytes(6000));
    sim.inject('file', { kind: 'wrong-range', start: 10 });
    assert.equal((await rawGet(url)).headers['content-range'], `bytes 10-${sim.video().size - 1}/${sim.video().size}`);
  });

  it('If-Range: a range only for the ETag or the Last-Modified the host gave; no-etag sends the date alone', async () => {
    const first = await rawGet(url);
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    assert.equal((await rawGet(url, { range: 'bytes=100-', 'if-range': etag })).status, 206);
    assert.equal((await rawGet(url, { range: 'bytes=100-', 'if-range': lastModified })).status, 206);
    assert.equal((await rawGet(url, { range: 'bytes=100-', 'if-range': '"another"' })).status, 200);
    sim.inject('file', { kind: 'ignore-if-range' });
    assert.equal((await rawGet(url, { range: 'bytes=100-', 'if-range': '"another"' })).status, 206);
    sim.inject('file', { kind: 'no-etag' });
    const dated = await rawGet(url);
    assert.equal(dated.headers.etag, undefined);
    assert.equal(dated.headers['last-modified'], lastModified);
  });

  it('drop-from-start: Range ignored, the whole body from byte 0, closed after afterBytes', async () => {
    sim.inject('file', { kind: 'drop-from-start', afterBytes: 1000 });
    const got = await rawGet(url, { range: 'bytes=5000-' });
    assert.equal(got.status, 200);
    assert.equal(Number(got.headers['content-length']), sim.video().size);
    assert.equal(got.broken, true);
    assert.deepEqual(got.body, await sim.video().bytes(0, 1000));
  });

  it('refuses file-only shapes on an API route, and bad numbers', () => {
    assert.throws(() => sim.inject('result', { kind: 'endless' }), TypeError);
    assert.throws(() => sim.inject('file', { kind: 'drip', bytes: 0, everyMs: 5 }), TypeError);
    assert.throws(() => sim.inject('file', { kind: 'drop-from-start' } as never), TypeError);
  });
});

describe('veo-sim synthetic videos are whole MP4 files', () => {
  for (const size of [200, 300_000, 64 * 1024 * 1024 + 123, 5 * 1024 ** 3 + 17]) {
    it(`ftyp, moov and mdat tile ${size} bytes exactly`, async () => {
      const source = syntheticSource(size);
      const verdict = await checkMp4(
        async (offset, length) => Buffer.concat([...source.chunks(offset, offset + length)]),
        size,
      );
      assert.deepEqual(verdict, { ok: true, boxes: ['ftyp', 'moov', 'mdat'] });
    });
  }
});
