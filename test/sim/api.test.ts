import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSim, type Sim } from '../../src/sim/index.js';
import { call, callRaw, createTask, KEY, result, until } from './helpers.js';

const INVALID_TOKEN = { code: 2, message: 'Invalid token, check if authorization header has a valid value.' };

describe('veo-sim API origin', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({ taskMs: 400 });
  });
  after(() => sim.close());

  describe('auth', () => {
    const body = { model: 'glabs-veo-3-1-fast', prompt: 'x' };

    it('accepts any bare key', async () => {
      const { status, json } = await call(sim, '/v1/media/create', { body, key: 'shds-anything-at-all' });
      assert.equal(status, 200);
      assert.equal(json.code, 0);
    });

    it('rejects a Bearer key, a missing key, an empty key and the wrong key with code 2 over HTTP 200', async () => {
      for (const key of [`Bearer ${KEY}`, null, '', 'shds-wrong-key', `"${KEY}"`]) {
        const { status, json } = await call(sim, '/v1/media/create', { body, key });
        assert.equal(status, 200, String(key));
        assert.deepEqual(json, INVALID_TOKEN, String(key));
      }
    });

    it('checks the key on result and models too, and honours a configured wrongKey', async () => {
      assert.deepEqual((await call(sim, '/v1/media/models', { key: null })).json, INVALID_TOKEN);
      assert.deepEqual((await call(sim, '/v1/media/result?task_id=x', { key: `Bearer ${KEY}` })).json, INVALID_TOKEN);
      sim.configure({ wrongKey: 'shds-revoked' });
      try {
        assert.deepEqual((await call(sim, '/v1/media/models', { key: 'shds-revoked' })).json, INVALID_TOKEN);
        assert.equal((await call(sim, '/v1/media/models', { key: 'shds-wrong-key' })).json.code, 0);
      } finally {
        sim.configure({ wrongKey: null });
      }
    });
  });

  describe('create', () => {
    it('answers the documented shape with an ObjectId whose first 8 hex digits are created_at', async () => {
      const before = Math.floor(Date.now() / 1000);
      const { status, json, headers } = await call(sim, '/v1/media/create', {
        body: { model: 'glabs-veo-3-1-fast', prompt: 'a lighthouse at dusk', ar: '9:16' },
      });
      const afterSeconds = Math.floor(Date.now() / 1000);
      assert.equal(status, 200);
      assert.match(headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(Object.keys(json), ['code', 'id', 'model', 'prompt', 'created_at', 'status', 'url']);
      assert.equal(json.code, 0);
      assert.match(String(json.id), /^[0-9a-f]{24}$/);
      assert.equal(json.model, 'glabs-veo-3-1-fast');
      assert.equal(json.prompt, 'a lighthouse at dusk');
      assert.equal(json.status, 'idle');
      assert.equal(json.url, null);
      const createdAt = json.created_at as number;
      assert.ok(Number.isInteger(createdAt) && createdAt >= before && createdAt <= afterSeconds);
      assert.equal(parseInt(String(json.id).slice(0, 8), 16), createdAt);
    });

    it('gives every task its own id', async () => {
      const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => createTask(sim, `prompt ${n}`)));
      assert.equal(new Set(ids).size, 5);
    });

    it('reports every schema problem at once as code 3 issues', async () => {
      const { status, json } = await call(sim, '/v1/media/create', {
        body: { model: 'no-such-model', ar: '4:3', images: ['ftp://example.com/a.png', 'https://example.com/b.png'] },
      });
      assert.equal(status, 200);
      assert.equal(json.code, 3);
      assert.equal(json.message, 'Invalid input, check schema issues.');
      const issues = json.issues as { path: unknown[]; expected: unknown; message: unknown; code: unknown }[];
      const paths = issues.map((issue) => issue.path.join('.'));
      assert.deepEqual(paths.sort(), ['images', 'images.0', 'model', 'prompt'].sort());
      for (const issue of issues) {
        assert.equal(typeof issue.message, 'string');
        assert.equal(typeof issue.code, 'string');
        assert.ok('expected' in issue);
      }
    });

    it('validates ar for Veo models, empty strings, wrong types and a body that is not JSON', async () => {
      const veo = await call(sim, '/v1/media/create', {
        body: { model: 'glabs-veo-3-1-fast', prompt: 'x', ar: '4:3' },
      });
      assert.deepEqual(
        (veo.json.issues as { path: string[] }[]).map((issue) => issue.path),
        [['ar']],
      );
      const empty = await call(sim, '/v1/media/create', { body: { model: '', prompt: '' } });
      assert.deepEqual(
        (empty.json.issues as { path: string[]; code: string }[]).map((issue) => [issue.path[0], issue.code]),
        [
          ['model', 'too_small'],
          ['prompt', 'too_small'],
        ],
      );
      const types = await call(sim, '/v1/media/create', { body: { model: 7, prompt: 'x', images: 'https://a.b/c' } });
      assert.deepEqual(
        (types.json.issues as { path: string[]; expected: string }[]).map((issue) => [issue.path[0], issue.expected]),
        [
          ['model', 'string'],
          ['images', 'array'],
        ],
      );
      const junk = await call(sim, '/v1/media/create', { body: 'not json' });
      assert.equal(junk.json.code, 3);
      assert.deepEqual((junk.json.issues as { path: unknown[] }[])[0]?.path, []);
    });

    it('accepts one http(s) image and any ar for a non-Veo model', async () => {
      const { json } = await call(sim, '/v1/media/create', {
        body: { model: 'glabs-veo-3-1-fast', prompt: 'x', images: ['https://example.com/first.png'] },
      });
      assert.equal(json.code, 0);
      const other = await call(sim, '/v1/media/create', { body: { model: 'flux-1-1-pro', prompt: 'x', ar: '3:2' } });
      assert.equal(other.json.code, 0);
      assert.deepEqual(sim.task(String(json.id))?.images, ['https://example.com/first.png']);
    });

    it('answers code 99 with HTTP 404 for GET create', async () => {
      const { status, json } = await call(sim, '/v1/media/create');
      assert.equal(status, 404);
      assert.equal(json.code, 99);
    });
  });

  describe('result', () => {
    it('walks idle -> processing -> done, with the url on the file origin', async () => {
      // Long enough that even a loaded machine sees the 20% idle stretch.
      sim.configure({ taskMs: 1500 });
      const id = await createTask(sim);
      sim.configure({ taskMs: 400 });
      const seen: string[] = [];
      const final = await until(async () => {
        const { json } = await result(sim, id);
        if (seen.at(-1) !== json.status) seen.push(String(json.status));
        return json.status === 'done' ? json : undefined;
      });
      assert.deepEqual(seen, ['idle', 'processing', 'done']);
      assert.equal(final.url, `${sim.fileBaseUrl}/predication/${id}_result.mp4`);
      assert.ok(final.url !== null && !String(final.url).startsWith(sim.baseUrl));
      assert.equal(final.cost, 49, 'an extra field clients must keep');
      assert.equal(sim.task(id)?.status, 'done');
      assert.ok((sim.task(id)?.polls ?? 0) >= 3);
    });

    it('answers the same through GET with a query, POST with a JSON body, and POST with a query', async () => {
      const id = await createTask(sim);
      const viaGet = await call(sim, `/v1/media/result?task_id=${id}`);
      const viaPost = await call(sim, '/v1/media/result', { body: { task_id: id } });
      const viaPostQuery = await call(sim, `/v1/media/result?task_id=${id}`, { method: 'POST' });
      for (const answer of [viaGet, viaPost, viaPostQuery]) {
        assert.equal(answer.json.code, 0);
        assert.equal(answer.json.id, id);
      }
    });

    it('answers code 4 for unknown and malformed ids, code 3 without any id', async () => {
      const unknown = await result(sim, '0123456789abcdef01234567');
      assert.deepEqual(unknown.json, { code: 4, message: 'Record not found.' });
      const malformed = await result(sim, 'not-an-id');
      assert.deepEqual(malformed.json, { code: 4, message: 'Record not found.' });
      const missing = await call(sim, '/v1/media/result', { body: {} });
      assert.equal(missing.json.code, 3);
    });

    it('ends a prompt matching failPattern as failed with an error reason and no url', async () => {
      sim.configure({ failPattern: 'forbidden', failReason: 'Rejected by the safety filter.' });
      try {
        const id = await createTask(sim, 'something forbidden here');
        const final = await until(async () => {
          const { json } = await result(sim, id);
          return json.status === 'failed' ? json : undefined;
        });
        assert.equal(final.error, 'Rejected by the safety filter.');
        assert.equal(final.url, null);
        assert.equal(sim.task(id)?.willFail, true);
      } finally {
        sim.configure({ failPattern: null, failReason: null });
      }
    });
  });

  describe('other endpoints', () => {
    it('answers HTTP 404 code 99 for unknown media methods, whatever the key', async () => {
      for (const key of [KEY, null]) {
        const { status, json } = await call(sim, '/v1/media/upload', { body: {}, key });
        assert.equal(status, 404);
        assert.deepEqual(json, { code: 99, message: 'API method not found, please check url you call.' });
      }
      assert.equal((await callRaw(sim, '/nothing-here')).status, 404);
    });

    it('lists models with the Veo family prices and some others, by GET and POST', async () => {
      for (const method of ['GET', 'POST']) {
        const { json } = await call(sim, '/v1/media/models', { method });
        assert.equal(json.code, 0);
        const models = json.models as { id: string; price: number; price_input?: number; modelration?: unknown }[];
        const prices = Object.fromEntries(models.filter((m) => m.id.includes('veo')).map((m) => [m.id, m.price]));
        assert.deepEqual(prices, {
          'glabs-veo-3-1-fast': 49,
          'glabs-veo-3-1-lite': 30,
          'glabs-veo-3-1': 249,
          'glabs-veo-3-fast': 79,
          'glabs-veo-3': 480,
        });
        assert.ok(models.some((m) => !m.id.includes('veo')));
        // The real shape: an id, a price, sometimes price_input, the moderation level as the service spells it,
        // and nothing that says what a model makes.
        for (const model of models) {
          const keys = Object.keys(model).filter((key) => key !== 'price_input');
          assert.deepEqual(keys.toSorted(), ['id', 'modelration', 'price'], JSON.stringify(model));
          assert.equal(typeof model.modelration, 'string');
        }
        assert.ok(models.some((m) => typeof m.price_input === 'number'));
      }
    });
  });
});

describe('veo-sim balance', () => {
  it('answers the balance, 401 OpenAI-style without a valid key, and code 5 when a create is unaffordable', async () => {
    const sim = await startSim({ balance: 100, creditLimit: 0 });
    try {
      const ok = await call(sim, '/v1/balance');
      assert.equal(ok.status, 200);
      assert.equal(ok.json.object, 'balance');
      assert.equal(typeof ok.json.orgId, 'string');
      assert.equal(ok.json.balance, 100);
      assert.equal(ok.json.creditLimit, 0);

      for (const key of [null, `Bearer ${KEY}`, 'shds-wrong-key']) {
        const denied = await call(sim, '/v1/balance', { key });
        assert.equal(denied.status, 401);
        assert.deepEqual(denied.json, {
          error: { message: 'Unauthorized', type: 'unauthorized_request_error', param: null, code: null },
        });
      }

      await createTask(sim);
      await createTask(sim);
      assert.equal(sim.options.balance, 2);
      const short = await call(sim, '/v1/media/create', { body: { model: 'glabs-veo-3-1-fast', prompt: 'x' } });
      assert.deepEqual(short.json, { code: 5, message: 'Insufficient balance, check account balance.' });
      assert.equal(sim.tasks().length, 2, 'nothing created');
      assert.equal((await call(sim, '/v1/balance')).json.balance, 2);

      sim.configure({ creditLimit: 100 });
      await createTask(sim);
      assert.equal((await call(sim, '/v1/balance')).json.balance, -47);
    } finally {
      await sim.close();
    }
  });
});
