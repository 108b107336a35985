import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSim, type Sim } from '../../src/sim/index.js';
import { call, callRaw, createTask, result, until } from './helpers.js';

const createBody = { model: 'glabs-veo-3-1-fast', prompt: 'a paper boat on a river' };

describe('veo-sim API faults', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({ taskMs: 300 });
  });
  afterEach(() => sim.clearFaults());
  after(() => sim.close());

  it('code: any envelope, once, then back to normal; nothing is created', async () => {
    sim.inject('create', { kind: 'code', code: 6 });
    const busy = await call(sim, '/v1/media/create', { body: createBody });
    assert.equal(busy.status, 200);
    assert.deepEqual(busy.json, { code: 6, message: 'Service on heavy load. Try again later.' });
    assert.equal(sim.tasks().length, 0);
    assert.equal((await call(sim, '/v1/media/create', { body: createBody })).json.code, 0);
  });

  it('code: literal messages, issues for 3, HTTP 404 for 99, a custom message, 401 on balance for 2', async () => {
    const expected: Record<number, string> = {
      1: 'Internal server error.',
      4: 'Record not found.',
      5: 'Insufficient balance, check account balance.',
      7: 'Has organization restrict for this model.',
      500: 'Internal exception. We already working on this issue.',
    };
    for (const [code, message] of Object.entries(expected)) {
      sim.inject('models', { kind: 'code', code: Number(code) });
      assert.deepEqual((await call(sim, '/v1/media/models')).json, { code: Number(code), message });
    }
    for (const code of [1001, 1002]) {
      sim.inject('create', { kind: 'code', code });
      const { json } = await call(sim, '/v1/media/create', { body: createBody });
      assert.equal(json.code, code);
      assert.match(String(json.message), /moderation/i);
    }
    sim.inject('create', { kind: 'code', code: 3 });
    const invalid = await call(sim, '/v1/media/create', { body: createBody });
    assert.equal(invalid.json.code, 3);
    assert.ok(Array.isArray(invalid.json.issues) && invalid.json.issues.length > 0);

    sim.inject('result', { kind: 'code', code: 99 });
    assert.equal((await result(sim, '0123456789abcdef01234567')).status, 404);

    sim.inject('result', { kind: 'code', code: 1, message: 'Something odd.' });
    assert.deepEqual((await result(sim, '0123456789abcdef01234567')).json, { code: 1, message: 'Something odd.' });

    sim.inject('balance', { kind: 'code', code: 2 });
    const balance = await call(sim, '/v1/balance');
    assert.equal(balance.status, 401);
    assert.equal((balance.json.error as { type: string }).type, 'unauthorized_request_error');
  });

  it('http: a 503 HTML page, a 429 with Retry-After, an empty 502', async () => {
    const before = sim.tasks().length;
    sim.inject('create', { kind: 'http', status: 503, body: '<html><body>Service Unavailable</body></html>' });
    sim.inject('create', { kind: 'http', status: 429, body: '{"error":"slow down"}', headers: { 'retry-after': '2' } });
    sim.inject('create', { kind: 'http', status: 502 });
    const unavailable = await callRaw(sim, '/v1/media/create', { body: createBody });
    assert.equal(unavailable.status, 503);
    assert.match(unavailable.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await unavailable.text(), /Service Unavailable/);
    const limited = await callRaw(sim, '/v1/media/create', { body: createBody });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '2');
    assert.equal(await limited.text(), '{"error":"slow down"}');
    const empty = await callRaw(sim, '/v1/media/create', { body: createBody });
    assert.equal(empty.status, 502);
    assert.equal(await empty.text(), '');
    assert.equal(sim.tasks().length, before);
  });

  it('html, empty, malformed and shape: bodies a client cannot trust', async () => {
    sim.inject('result', { kind: 'html' });
    sim.inject('result', { kind: 'empty' });
    sim.inject('result', { kind: 'malformed' });
    sim.inject('result', { kind: 'shape' });
    const path = '/v1/media/result?task_id=0123456789abcdef01234567';
    const html = await callRaw(sim, path);
    assert.equal(html.status, 502);
    assert.match(await html.text(), /<center>nginx<\/center>/);
    const empty = await callRaw(sim, path);
    assert.equal(empty.status, 200);
    assert.equal(await empty.text(), '');
    const malformed = await callRaw(sim, path);
    assert.equal(malformed.status, 200);
    const text = await malformed.text();
    assert.throws(() => JSON.parse(text));
    const shape = await callRaw(sim, path);
    assert.deepEqual(await shape.json(), { code: 0, id: 42, status: null });
  });

  it('reset-before: the connection dies and nothing is created', async () => {
    const before = sim.tasks().length;
    sim.inject('create', { kind: 'reset-before' });
    await assert.rejects(callRaw(sim, '/v1/media/create', { body: createBody }), TypeError);
    assert.equal(sim.tasks().length, before);
    const recorded = sim.requests.filter((r) => r.route === 'create' && r.fault === 'reset-before');
    assert.equal(recorded.length, 1);
    assert.equal((await call(sim, '/v1/media/create', { body: createBody })).json.code, 0);
  });

  it('reset-after: the create really happens, but the answer never comes', async () => {
    const before = sim.tasks().length;
    sim.inject('create', { kind: 'reset-after' });
    await assert.rejects(callRaw(sim, '/v1/media/create', { body: { ...createBody, prompt: 'lost answer' } }));
    const tasks = sim.tasks();
    assert.equal(tasks.length, before + 1);
    assert.equal(tasks.at(-1)?.prompt, 'lost answer');
    assert.equal(sim.requests.at(-1)?.body, JSON.stringify({ ...createBody, prompt: 'lost answer' }));
  });

  it('stall: the request is read and never answered', async () => {
    sim.inject('models', { kind: 'stall' });
    const started = Date.now();
    await assert.rejects(callRaw(sim, '/v1/media/models', { signal: AbortSignal.timeout(300) }), {
      name: 'TimeoutError',
    });
    assert.ok(Date.now() - started >= 250);
    assert.equal(sim.requests.at(-1)?.fault, 'stall');
  });

  it('slow: answered normally after the delay', async () => {
    sim.inject('models', { kind: 'slow', ms: 250 });
    const started = Date.now();
    const { json } = await call(sim, '/v1/media/models');
    assert.ok(Date.now() - started >= 240);
    assert.equal(json.code, 0);
  });

  it('done-without-url and status: the answer lies, the task does not change', async () => {
    const id = await createTask(sim);
    sim.inject('result', { kind: 'done-without-url' });
    sim.inject('result', { kind: 'status', status: 'queued' });
    const lying = await result(sim, id);
    assert.equal(lying.json.status, 'done');
    assert.equal(lying.json.url, null);
    const odd = await result(sim, id);
    assert.equal(odd.json.status, 'queued');
    assert.notEqual(sim.task(id)?.status, 'queued');
    const done = await until(async () => {
      const { json } = await result(sim, id);
      return json.status === 'done' ? json : undefined;
    });
    assert.equal(typeof done.url, 'string');
  });

  it('redirect: 302 by default, another status when asked, nothing processed', async () => {
    sim.inject('create', { kind: 'redirect', location: 'http://127.0.0.1:9/elsewhere' });
    sim.inject('create', { kind: 'redirect', location: '/v1/media/create', status: 307 });
    const before = sim.tasks().length;
    const found = await callRaw(sim, '/v1/media/create', { body: createBody, redirect: 'manual' });
    assert.equal(found.status, 302);
    assert.equal(found.headers.get('location'), 'http://127.0.0.1:9/elsewhere');
    const temporary = await fetch(`${sim.baseUrl}/v1/media/create`, {
      method: 'POST',
      body: '{}',
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(temporary.status, 307);
    assert.equal(sim.tasks().length, before);
  });

  it('times, Infinity, any-api and the order faults are taken in', async () => {
    sim.inject('models', { kind: 'code', code: 6 }, 2);
    sim.inject('models', { kind: 'code', code: 1 });
    const codes: unknown[] = [];
    for (let i = 0; i < 4; i += 1) codes.push((await call(sim, '/v1/media/models')).json.code);
    assert.deepEqual(codes, [6, 6, 1, 0]);

    sim.inject('any-api', { kind: 'code', code: 500 }, Infinity);
    sim.inject('models', { kind: 'code', code: 7 });
    assert.equal((await call(sim, '/v1/media/models')).json.code, 7, 'a route fault goes before any-api');
    for (let i = 0; i < 3; i += 1) assert.equal((await result(sim, '0123456789abcdef01234567')).json.code, 500);
    assert.equal(sim.pendingFaults()[0]?.remaining, Infinity);
    sim.clearFaults();
    assert.equal((await call(sim, '/v1/media/models')).json.code, 0);
  });

  it('refuses a fault that cannot apply to its route', () => {
    assert.throws(() => sim.inject('create', { kind: 'not-mp4' }), TypeError);
    assert.throws(() => sim.inject('file', { kind: 'status', status: 'done' }), TypeError);
    assert.throws(() => sim.inject('models', { kind: 'done-without-url' }), TypeError);
    assert.throws(() => sim.inject('create', { kind: 'nonsense' } as never), TypeError);
    assert.throws(() => sim.inject('create', { kind: 'code', code: 6 }, 0), TypeError);
    assert.deepEqual(sim.pendingFaults(), []);
  });
});
