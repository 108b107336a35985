import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretMediaAnswer, interpretOpenAiAnswer, errorForApiCode } from '../../src/api/answers.js';
import {
  AuthError,
  BalanceError,
  GenerationFailedError,
  InvalidInputError,
  OverloadError,
  ServerError,
  TaskNotFoundError,
} from '../../src/core/errors.js';
import { balanceSchema, taskSchema } from '../../src/api/schemas.js';
import { failureReason, taskPhase } from '../../src/api/status.js';
import { EXIT_CODES } from '../../src/core/exit-codes.js';

const ok = (body: unknown, status = 200, headers: Record<string, string> = {}) => ({
  status,
  headers,
  text: typeof body === 'string' ? body : JSON.stringify(body),
});
const task = {
  code: 0,
  id: '684e5b2214bed9a815408cb3',
  model: 'glabs-veo-3-1-fast',
  prompt: '',
  created_at: 1753000550,
  status: 'idle',
  url: null,
};

describe('media answers', () => {
  it('parses a task and keeps unknown fields', () => {
    const parsed = interpretMediaAnswer(ok({ ...task, cost: 49, extra: { a: 1 } }), taskSchema(), 'x');
    assert.equal(parsed.id, task.id);
    assert.equal((parsed as Record<string, unknown>).cost, 49);
    assert.deepEqual((parsed as Record<string, unknown>).extra, { a: 1 });
  });
  it('maps every documented code to its error and exit code', () => {
    const cases: [number, new (...args: never[]) => Error, number][] = [
      [1, ServerError, 7],
      [2, AuthError, 3],
      [3, InvalidInputError, 2],
      [4, TaskNotFoundError, 2],
      [5, BalanceError, 4],
      [6, OverloadError, 4],
      [7, AuthError, 3],
      [99, ServerError, 7],
      [500, ServerError, 7],
      [1001, GenerationFailedError, 6],
      [1002, GenerationFailedError, 6],
    ];
    for (const [code, type, exit] of cases) {
      const error = errorForApiCode(code, 'msg', [], task.id);
      assert.ok(error instanceof type, `code ${code}`);
      assert.equal(EXIT_CODES[error.kind], exit, `exit code for API code ${code}`);
    }
  });
  it('decides by code before the HTTP status', () => {
    assert.throws(
      () => interpretMediaAnswer(ok({ code: 99, message: 'API method not found' }, 404), taskSchema(), 'x'),
      (e: unknown) => e instanceof ServerError && e.code === 'WRONG_BASE_URL',
    );
    assert.throws(
      () => interpretMediaAnswer(ok({ code: 2, message: 'Invalid token' }, 200), taskSchema(), 'x'),
      AuthError,
    );
  });
  it('keeps the issues of code 3', () => {
    const issues = [{ path: ['ar'], expected: "'1:1' | '16:9' | '9:16'", message: 'Invalid enum value' }];
    assert.throws(
      () =>
        interpretMediaAnswer(
          ok({ code: 3, message: 'Invalid input, check schema issues.', issues }),
          taskSchema(),
          'x',
        ),
      (e: unknown) => e instanceof InvalidInputError && e.issues[0]?.path?.[0] === 'ar',
    );
  });
  it('reports HTML, empty and malformed bodies as service failures', () => {
    for (const answer of [
      ok('<html><body>502 Bad Gateway</body></html>', 502),
      ok('', 200),
      ok('{"code":0,"id":', 200),
      ok('<html>hi</html>', 200),
    ]) {
      assert.throws(() => interpretMediaAnswer(answer, taskSchema(), 'x'), ServerError);
    }
  });
  it('rejects a success of an unexpected shape', () => {
    assert.throws(
      () => interpretMediaAnswer(ok({ code: 0, id: 42, status: null }), taskSchema(), 'x'),
      (e: unknown) => e instanceof ServerError && e.code === 'UNEXPECTED_ANSWER',
    );
  });
  it('reads HTTP-level failures', () => {
    assert.throws(() => interpretMediaAnswer(ok('', 401), taskSchema(), 'x'), AuthError);
    assert.throws(
      () => interpretMediaAnswer(ok('', 429, { 'retry-after': '2' }), taskSchema(), 'x'),
      (e: unknown) => e instanceof OverloadError && e.retryAfterMs === 2000,
    );
    assert.throws(
      () => interpretMediaAnswer(ok('', 302, { location: 'https://evil.example/' }), taskSchema(), 'x'),
      (e: unknown) => e instanceof ServerError && e.code === 'UNEXPECTED_REDIRECT',
    );
  });
});

describe('balance answers', () => {
  it('parses the balance', () => {
    const balance = interpretOpenAiAnswer(
      ok({ orgId: 'o', object: 'balance', balance: -51.54, creditLimit: 15000 }),
      balanceSchema(),
      'b',
    );
    assert.equal(balance.balance, -51.54);
  });
  it('maps an OpenAI-style 401 to an auth error', () => {
    const body = { error: { message: 'Unauthorized', type: 'unauthorized_request_error', param: null, code: null } };
    assert.throws(() => interpretOpenAiAnswer(ok(body, 401), balanceSchema(), 'b'), AuthError);
  });
});

describe('task status', () => {
  it('is done only with a url', () => {
    assert.equal(taskPhase({ status: 'done', url: 'https://x/y.mp4' }), 'done');
    assert.equal(taskPhase({ status: 'done', url: null }), 'running');
  });
  it('treats every failure spelling as terminal and the unknown as running', () => {
    for (const status of ['failed', 'error', 'cancelled', 'canceled', 'FAILED'])
      assert.equal(taskPhase({ status, url: null }), 'failed');
    for (const status of ['idle', 'processing', 'queued', 'rendering'])
      assert.equal(taskPhase({ status, url: null }), 'running');
  });
  it('reads the reason from error, then message', () => {
    const base = taskSchema().parse({ ...task, status: 'failed' });
    assert.equal(failureReason({ ...base, error: 'nsfw', message: 'other' }), 'nsfw');
    assert.equal(failureReason({ ...base, message: 'timeout' }), 'timeout');
    assert.equal(failureReason(base), undefined);
  });
});
