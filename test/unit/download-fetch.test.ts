import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { discard, get, readAnswer, requestHeaders } from '../../src/api/download-fetch.js';
import { DownloadError, LinkExpiredError } from '../../src/core/errors.js';
import { startSim, type Sim } from '../../src/sim/index.js';
import { doneTask } from '../sim/helpers.js';

describe('download fetching: the request and what its answer means', () => {
  let sim: Sim;
  let url: URL;
  before(async () => {
    sim = await startSim({ taskMs: 1, videoBytes: 200_000 });
    url = new URL((await doneTask(sim)).url);
  });
  afterEach(() => {
    sim.clearFaults();
    sim.requests.length = 0;
  });
  after(() => sim.close());

  const ask = async (offset: number, validators?: { etag?: string; lastModified?: string }) => {
    const response = await get(url, requestHeaders(offset, validators), { timeoutMs: 5000, apiOrigin: sim.baseUrl });
    return { response, answer: await readAnswer(response, offset, {}) };
  };

  it('asks for a range only to resume, tied to the strong ETag, else to the date', () => {
    assert.equal(requestHeaders(0, { etag: '"a"' }).range, undefined);
    assert.equal(requestHeaders(0, { etag: '"a"' })['if-range'], undefined);
    assert.deepEqual(
      { range: requestHeaders(10, { etag: '"a"' }).range, ifRange: requestHeaders(10, { etag: '"a"' })['if-range'] },
      { range: 'bytes=10-', ifRange: '"a"' },
    );
    const date = 'Sun, 29 Nov 2026 10:00:00 GMT';
    assert.equal(requestHeaders(10, { etag: 'W/"weak"', lastModified: date })['if-range'], date);
    assert.equal(requestHeaders(10, {})['if-range'], undefined);
  });

  it('a whole body is fresh, with its size and the validators the host gave', async () => {
    const { response, answer } = await ask(0);
    discard(response.body);
    assert.equal(answer.kind, 'fresh');
    assert.ok(answer.kind === 'fresh');
    assert.equal(answer.total, 200_000);
    assert.equal(answer.validators.etag, sim.video().etag);
    assert.match(answer.validators.lastModified ?? '', /GMT$/);
  });

  it('a 206 for the range asked for continues the part; a 206 for another range is told apart', async () => {
    const { etag } = sim.video();
    const resumed = await ask(150_000, { etag });
    discard(resumed.response.body);
    assert.deepEqual(
      { ...resumed.answer, validators: undefined },
      { kind: 'append', start: 150_000, total: 200_000, length: 50_000, validators: undefined },
    );
    sim.inject('file', { kind: 'wrong-range' });
    assert.deepEqual((await ask(150_000, { etag })).answer, {
      kind: 'wrong-range',
      got: 'bytes 151000-199999/200000',
    });
    sim.inject('file', { kind: 'wrong-range', start: 5 });
    assert.equal((await ask(0)).answer.kind, 'wrong-range', 'a 206 nobody asked for');
  });

  it('If-Range with a validator of another version gets the whole body again', async () => {
    const { response, answer } = await ask(150_000, { etag: '"an older version"' });
    discard(response.body);
    assert.equal(answer.kind, 'fresh');
    assert.equal(sim.requests[0]?.headers['if-range'], '"an older version"');
  });

  it('416 says the part holds all there is; 403/404/410 is an expired link; 5xx is worth retrying', async () => {
    assert.deepEqual((await ask(200_000)).answer, { kind: 'complete', total: 200_000 });
    sim.inject('file', { kind: 'expired' });
    await assert.rejects(ask(0), LinkExpiredError);
    sim.inject('file', { kind: 'http', status: 503, body: 'busy' });
    await assert.rejects(ask(0), (error: unknown) => error instanceof DownloadError && error.retryable);
    sim.inject('file', { kind: 'http', status: 400, body: 'no' });
    await assert.rejects(ask(0), (error: unknown) => error instanceof DownloadError && !error.retryable);
  });

  it('follows a redirect of the file host by hand, without credentials', async () => {
    sim.inject('file', { kind: 'redirect', location: url.pathname });
    const { response, answer } = await ask(0);
    discard(response.body);
    assert.equal(answer.kind, 'fresh');
    assert.equal(sim.requests.length, 2);
    for (const request of sim.requests) assert.equal(request.headers.authorization, undefined);
  });
});
