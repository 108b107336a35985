import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { get, readAnswer, requestHeaders } from '../../src/api/download-fetch.js';
import { pump, SinkFailure, type PumpOptions } from '../../src/api/download-pump.js';
import { DownloadError } from '../../src/core/errors.js';
import { Mp4StreamCheck } from '../../src/api/mp4-boxes.js';
import { startSim, type Sim } from '../../src/sim/index.js';
import { doneTask } from '../sim/helpers.js';

/** A sink that keeps what it gets, or fails on the first write. */
function memorySink(fail?: Error): Writable & { bytes: () => Buffer } {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (fail) return callback(fail);
      parts.push(chunk);
      callback();
    },
  });
  return Object.assign(sink, { bytes: () => Buffer.concat(parts) });
}

describe('the body pump', () => {
  let sim: Sim;
  let url: URL;
  before(async () => {
    sim = await startSim({ taskMs: 1, videoBytes: 300_000 });
    url = new URL((await doneTask(sim)).url);
  });
  afterEach(() => sim.clearFaults());
  after(() => sim.close());

  async function run(sink: Writable, extra: Partial<PumpOptions> = {}) {
    const response = await get(url, requestHeaders(0, undefined), { timeoutMs: 5000, apiOrigin: sim.baseUrl });
    const answer = await readAnswer(response, 0, {});
    assert.ok(answer.kind === 'fresh');
    const hash = createHash('sha256');
    const received = await pump({
      body: response.body,
      sink,
      hash,
      limit: answer.length ?? 10_000_000,
      announced: answer.length !== undefined,
      windowMs: 5000,
      deadline: Date.now() + 10_000,
      checkHead: true,
      contentType: 'video/mp4',
      ...extra,
    });
    return { received, sha256: hash.digest('hex') };
  }

  it('moves the whole body, hashing it and walking its boxes', async () => {
    const sink = memorySink();
    const mp4 = new Mp4StreamCheck();
    const { received, sha256 } = await run(sink, { mp4 });
    assert.equal(received, 300_000);
    assert.equal(sha256, await sim.video().sha256());
    assert.deepEqual(sink.bytes(), await sim.video().bytes());
    assert.deepEqual(await mp4.verdict(), { ok: true, boxes: ['ftyp', 'moov', 'mdat'] });
  });

  it('calls a body slower than the minimum rate over the window stalled', async () => {
    sim.inject('file', { kind: 'drip', bytes: 50, everyMs: 20 });
    await assert.rejects(run(memorySink(), { windowMs: 200 }), (error: unknown) => {
      assert.ok(error instanceof DownloadError);
      assert.equal(error.code, 'STALLED');
      assert.equal(error.retryable, true);
      return true;
    });
  });

  it('cuts a body at the overall deadline', async () => {
    sim.inject('file', { kind: 'drip', bytes: 10_000, everyMs: 20 });
    await assert.rejects(run(memorySink(), { deadline: Date.now() + 150 }), { code: 'DOWNLOAD_DEADLINE' });
  });

  it('cuts a body longer than the cap, or than it announced', async () => {
    sim.inject('file', { kind: 'endless' });
    const sink = memorySink();
    await assert.rejects(run(sink, { limit: 1_000_000 }), (error: unknown) => {
      assert.ok(error instanceof DownloadError);
      assert.equal(error.code, 'TOO_LONG');
      assert.match(error.message, /more than 1000000 bytes, far more than a video clip/);
      return true;
    });
    assert.ok(sink.bytes().length <= 1_000_000);
    sim.inject('file', { kind: 'endless' });
    await assert.rejects(
      run(memorySink(), { limit: 300_000, announced: true }),
      /more than the 300000 bytes it announced/,
    );
  });

  it('refuses a body that does not start as an MP4, and tells a failing sink apart', async () => {
    sim.inject('file', { kind: 'not-mp4' });
    await assert.rejects(run(memorySink()), { code: 'NOT_A_VIDEO' });
    const disk = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    await assert.rejects(run(memorySink(disk)), (error: unknown) => {
      assert.ok(error instanceof SinkFailure);
      assert.equal((error.failure as NodeJS.ErrnoException).code, 'ENOSPC');
      return true;
    });
  });
});
