import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSim } from '../../src/sim/index.js';
import { call, callRaw, createTask, doneTask, KEY, until, withSim } from './helpers.js';

async function control(baseUrl: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}/__sim${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

describe('veo-sim request recording', () => {
  it('records both origins in order, with headers, query and body, and leaves /__sim out', () =>
    withSim({ taskMs: 0 }, async (sim) => {
      const id = await createTask(sim, 'recorded prompt');
      await call(sim, `/v1/media/result?task_id=${id}`);
      await control(sim.baseUrl, 'GET', '/tasks');
      const { url } = await doneTask(sim);
      await fetch(url).then((res) => res.arrayBuffer());

      const [create, poll] = sim.requests;
      assert.equal(create?.origin, 'api');
      assert.equal(create?.route, 'create');
      assert.equal(create?.method, 'POST');
      assert.equal(create?.path, '/v1/media/create');
      assert.equal(create?.headers.authorization, KEY);
      assert.deepEqual(JSON.parse(create?.body ?? ''), { model: 'glabs-veo-3-1-fast', prompt: 'recorded prompt' });
      assert.equal(typeof create?.at, 'number');
      assert.equal(poll?.route, 'result');
      assert.deepEqual(poll?.query, { task_id: id });
      assert.equal(poll?.fault, undefined);
      assert.ok(sim.requests.every((r) => !r.path.startsWith('/__sim')));
      const file = sim.requests.at(-1);
      assert.equal(file?.origin, 'file');
      assert.equal(file?.headers.authorization, undefined);
      const times = sim.requests.map((r) => r.at);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
      );
    }));
});

describe('veo-sim control endpoints', () => {
  it('config, faults, requests, tasks and video over HTTP', () =>
    withSim({}, async (sim) => {
      const config = await control(sim.baseUrl, 'POST', '/config', { taskMs: 100, balance: 500 });
      assert.equal(config.status, 200);
      assert.equal((config.json as { taskMs: number }).taskMs, 100);
      assert.equal(sim.options.balance, 500);
      assert.equal((await control(sim.baseUrl, 'GET', '/config')).json && sim.options.taskMs, 100);

      const bad = await control(sim.baseUrl, 'POST', '/config', { taskMs: 'soon' });
      assert.equal(bad.status, 400);
      assert.match((bad.json as { error: string }).error, /taskMs/);
      assert.equal((await control(sim.baseUrl, 'POST', '/config', { port: 1 })).status, 400);
      assert.equal((await control(sim.baseUrl, 'POST', '/config', { failPattern: '(' })).status, 400);

      const queued = await control(sim.baseUrl, 'POST', '/faults', {
        route: 'create',
        fault: { kind: 'code', code: 6 },
        times: 2,
      });
      assert.equal(queued.status, 200);
      assert.deepEqual(queued.json, [{ route: 'create', fault: { kind: 'code', code: 6 }, remaining: 2 }]);
      const forever = await control(sim.baseUrl, 'POST', '/faults', [
        { route: 'models', fault: { kind: 'empty' }, times: 'Infinity' },
      ]);
      assert.equal((forever.json as { remaining: unknown }[])[1]?.remaining, 'Infinity');
      assert.equal(
        (await control(sim.baseUrl, 'POST', '/faults', { route: 'nowhere', fault: { kind: 'empty' } })).status,
        400,
      );
      assert.equal(
        (await control(sim.baseUrl, 'POST', '/faults', { route: 'create', fault: { kind: 'drop' } })).status,
        400,
      );
      assert.equal(
        (await call(sim, '/v1/media/create', { body: { model: 'glabs-veo-3-1-fast', prompt: 'x' } })).json.code,
        6,
      );
      assert.equal(await callRaw(sim, '/v1/media/models').then((r) => r.text()), '');
      const cleared = await control(sim.baseUrl, 'DELETE', '/faults');
      assert.deepEqual(cleared.json, []);
      assert.equal((await call(sim, '/v1/media/models')).json.code, 0);

      const id = await createTask(sim);
      const tasks = (await control(sim.baseUrl, 'GET', '/tasks')).json as { id: string; status: string }[];
      assert.deepEqual(
        tasks.map((task) => task.id),
        [id],
      );
      await until(async () => {
        const [task] = (await control(sim.baseUrl, 'GET', '/tasks')).json as { status: string }[];
        return task?.status === 'done' ? true : undefined;
      });

      const requests = (await control(sim.baseUrl, 'GET', '/requests')).json as { path: string }[];
      assert.equal(requests.length, sim.requests.length);
      assert.deepEqual(await control(sim.baseUrl, 'DELETE', '/requests'), {
        status: 200,
        json: { cleared: requests.length },
      });
      assert.equal(sim.requests.length, 0);

      const video = (await control(sim.baseUrl, 'GET', '/video')).json as {
        kind: string;
        size: number;
        sha256: string;
      };
      assert.equal(video.kind, 'sample');
      assert.equal(video.size, sim.video().size);
      assert.equal(video.sha256, await sim.video().sha256());

      assert.equal((await control(sim.baseUrl, 'GET', '/nothing')).status, 404);
      assert.ok(Array.isArray(((await control(sim.baseUrl, 'GET', '')).json as { endpoints: unknown }).endpoints));
      assert.equal(sim.requests.length, 0, 'control calls are never recorded');
    }));

  it('configure() refuses bad values and changes nothing then', () =>
    withSim({}, async (sim) => {
      assert.throws(() => sim.configure({ taskMs: -1 }), TypeError);
      assert.throws(() => sim.configure({ videoBytes: 1.5 }), TypeError);
      assert.throws(() => sim.configure({ host: '0.0.0.0' }), TypeError);
      assert.throws(() => sim.configure({ nonsense: 1 } as never), TypeError);
      assert.equal(sim.options.taskMs, 3000);
      await assert.rejects(startSim({ failPattern: '[' }), TypeError);
    }));
});

describe('veo-sim close()', () => {
  it('does not hang on stalled requests, stalled bodies, slow answers or open keep-alive sockets', async () => {
    const sim = await startSim({ taskMs: 0 });
    const { url } = await doneTask(sim);
    sim.inject('models', { kind: 'stall' });
    sim.inject('result', { kind: 'slow', ms: 60_000 });
    sim.inject('file', { kind: 'stall-body', afterBytes: 10 });
    // Settled into a word at once, so a rejection is never "unhandled" while close() runs.
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        () => 'failed',
      );
    const stalled = outcome(callRaw(sim, '/v1/media/models'));
    const slow = outcome(callRaw(sim, '/v1/media/result?task_id=0123456789abcdef01234567'));
    const body = outcome(fetch(url).then((res) => res.arrayBuffer()));
    await until(() => (sim.requests.filter((r) => r.fault !== undefined).length === 3 ? true : undefined));

    const started = Date.now();
    await sim.close();
    assert.ok(Date.now() - started < 2000, `close() took ${Date.now() - started} ms`);
    assert.deepEqual(await Promise.all([stalled, slow, body]), ['failed', 'failed', 'failed']);
    await sim.close();
    await assert.rejects(fetch(`${sim.baseUrl}/v1/media/models`, { signal: AbortSignal.timeout(2000) }));
  });
});
