import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSim, type Sim } from '../../src/sim/index.js';
import { call, callRaw, result, until } from './helpers.js';

const createBody = { model: 'glabs-veo-3-1-fast', prompt: 'a paper boat on a river' };

describe('veo-sim answer faults', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({ taskMs: 300 });
  });
  afterEach(() => sim.clearFaults());
  after(() => sim.close());

  it('answer-fields: the create really creates; given members replace or join the real ones, omitted ones go', async () => {
    const before = sim.tasks().length;
    sim.inject('create', {
      kind: 'answer-fields',
      fields: { created_at: '1e16', status: '[1,{"a":null}]', extra: '"\\u0000\\u001b[31m"' },
      omit: ['model'],
    });
    const res = await callRaw(sim, '/v1/media/create', { body: createBody });
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.equal(sim.tasks().length, before + 1);
    const task = sim.tasks().at(-1)!;
    assert.equal(
      text,
      `{"code":0,"id":"${task.id}","prompt":"a paper boat on a river","created_at":1e16,"status":[1,{"a":null}],` +
        `"url":null,"extra":"\\u0000\\u001b[31m"}`,
    );
    assert.equal(sim.requests.at(-1)?.fault, 'answer-fields');
    // Once: the next create answers normally.
    assert.equal((await call(sim, '/v1/media/create', { body: createBody })).json.status, 'idle');
  });

  it('answer-fields: a value nested 200,000 levels deep is sent byte for byte, on result too', async () => {
    const depth = 200_000;
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const { json } = await call(sim, '/v1/media/create', { body: createBody });
    const id = String(json.id);
    sim.inject('result', { kind: 'answer-fields', fields: { deep } });
    const res = await callRaw(sim, `/v1/media/result?task_id=${id}`);
    const text = await res.text();
    assert.ok(text.endsWith(`,"deep":${deep}}`));
    assert.ok(text.startsWith(`{"code":0,"id":"${id}"`));
    assert.equal((await result(sim, id)).json.deep, undefined);
  });

  it('answer-fields is refused where no task is answered, and with fields that are not JSON text', () => {
    assert.throws(() => sim.inject('models', { kind: 'answer-fields', fields: {} }), /create.*result/);
    assert.throws(() => sim.inject('create', { kind: 'answer-fields', fields: { a: '{' } }), /fields\.a is not JSON/);
    assert.throws(
      () => sim.inject('create', { kind: 'answer-fields', fields: { a: 1 } } as never),
      /fields\.a must be raw JSON text/,
    );
    assert.throws(() => sim.inject('create', { kind: 'answer-fields' } as never), /needs "fields"/);
    assert.throws(() => sim.inject('create', { kind: 'late-answer', ms: -1 }), /ms must be/);
  });

  it('answer-fields through the control endpoint', async () => {
    const res = await callRaw(sim, '/__sim/faults', {
      body: { route: 'create', fault: { kind: 'answer-fields', fields: { id: '"not-an-id"' } } },
    });
    assert.equal(res.status, 200);
    const { json } = await call(sim, '/v1/media/create', { body: createBody });
    assert.equal(json.id, 'not-an-id');
    assert.equal(json.status, 'idle');
  });

  it('late-answer: the task exists before the answer leaves', async () => {
    const before = sim.tasks().length;
    sim.inject('create', { kind: 'late-answer', ms: 60_000 });
    const controller = new AbortController();
    const pending = callRaw(sim, '/v1/media/create', { body: createBody, signal: controller.signal });
    await sim.waitForRequest((request) => request.fault === 'late-answer');
    // The request is processed as soon as its body is read, which no event announces: the store is polled.
    await until(() => (sim.tasks().length > before ? true : undefined));
    assert.equal(sim.tasks().length, before + 1);
    assert.equal(sim.requests.at(-1)?.fault, 'late-answer');
    controller.abort();
    await assert.rejects(pending);
  });

  it('late-answer: the answer, when it comes, is the real one', async () => {
    sim.inject('create', { kind: 'late-answer', ms: 50 });
    const { json } = await call(sim, '/v1/media/create', { body: createBody });
    assert.equal(json.code, 0);
    assert.equal(sim.task(String(json.id))?.prompt, createBody.prompt);
  });
});
