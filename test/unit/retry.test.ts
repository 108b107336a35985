import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NetworkError,
  OverloadError,
  ServerError,
  AuthError,
  BalanceError,
  InterruptedError,
} from '../../src/core/errors.js';
import { isRetryable, parseRetryAfter, retryDelay, withRetry, type RetryPolicy } from '../../src/api/retry.js';

const policy: RetryPolicy = { attempts: 4, baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };

describe('retry delays', () => {
  it('doubles each step, with half of it random', () => {
    assert.equal(
      retryDelay(1, policy, undefined, () => 0),
      50,
    );
    assert.equal(
      retryDelay(1, policy, undefined, () => 1),
      100,
    );
    assert.equal(
      retryDelay(2, policy, undefined, () => 0),
      100,
    );
    assert.equal(
      retryDelay(3, policy, undefined, () => 1),
      400,
    );
  });
  it('never exceeds the cap', () => {
    assert.equal(
      retryDelay(10, policy, undefined, () => 1),
      1000,
    );
    assert.equal(
      retryDelay(30, policy, undefined, () => 0),
      500,
    );
  });
  it('lets Retry-After win', () => {
    assert.equal(
      retryDelay(1, policy, 2500, () => 1),
      2500,
    );
  });
  it('reads Retry-After as seconds or as a date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('0.5'), 500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});

describe('what is retried', () => {
  const refused = new NetworkError('refused', { sent: false });
  const reset = new NetworkError('reset', { sent: true });
  it('retries every transient failure of a read', () => {
    assert.equal(isRetryable(refused, 'read'), true);
    assert.equal(isRetryable(reset, 'read'), true);
    assert.equal(isRetryable(new ServerError('502', { status: 502 }), 'read'), true);
    assert.equal(isRetryable(new ServerError('code 1', { apiCode: 1 }), 'read'), true);
    assert.equal(isRetryable(new ServerError('code 500', { apiCode: 500 }), 'read'), true);
    assert.equal(isRetryable(new ServerError('html', { status: 200 }), 'read'), true);
    assert.equal(isRetryable(new OverloadError('code 6'), 'read'), true);
  });
  it('retries a create only when nothing can have been created', () => {
    assert.equal(isRetryable(refused, 'create'), true);
    assert.equal(isRetryable(new OverloadError('code 6'), 'create'), true);
    assert.equal(isRetryable(new OverloadError('429'), 'create'), true);
    assert.equal(isRetryable(new ServerError('503', { status: 503 }), 'create'), true);
  });
  it('never repeats a create after an ambiguous failure', () => {
    assert.equal(isRetryable(reset, 'create'), false);
    assert.equal(isRetryable(new ServerError('502', { status: 502 }), 'create'), false);
    assert.equal(isRetryable(new ServerError('500', { status: 500 }), 'create'), false);
    assert.equal(isRetryable(new ServerError('code 1', { apiCode: 1 }), 'create'), false);
    assert.equal(isRetryable(new ServerError('code 500', { apiCode: 500 }), 'create'), false);
  });
  it('does not retry what cannot change', () => {
    for (const op of ['read', 'create'] as const) {
      assert.equal(isRetryable(new AuthError('bad key'), op), false);
      assert.equal(isRetryable(new BalanceError('poor'), op), false);
      assert.equal(isRetryable(new ServerError('99', { apiCode: 99, code: 'WRONG_BASE_URL' }), op), false);
      assert.equal(isRetryable(new ServerError('404', { status: 404, code: 'WRONG_BASE_URL' }), op), false);
      assert.equal(isRetryable(new ServerError('unknown code', { apiCode: 42 }), op), false);
    }
  });
});

describe('withRetry', () => {
  const fast: RetryPolicy = { attempts: 3, baseMs: 1, maxMs: 2, maxRetryAfterMs: 50 };
  it('gives up after the attempts and reports each retry', async () => {
    let calls = 0;
    const delays: number[] = [];
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new ServerError('502', { status: 502 });
        },
        { operation: 'read', policy: fast, onRetry: (e) => delays.push(e.delayMs) },
      ),
      ServerError,
    );
    assert.equal(calls, 3);
    assert.equal(delays.length, 2);
  });
  it('sends a create once after a reset', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new NetworkError('reset', { sent: true });
        },
        { operation: 'create', policy: fast },
      ),
      NetworkError,
    );
    assert.equal(calls, 1);
  });
  it('returns the first success', async () => {
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 3) throw new OverloadError('busy', { retryAfterMs: 1 });
        return 'ok';
      },
      { operation: 'create', policy: fast },
    );
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
  });
  it('does not wait for a Retry-After longer than the policy allows', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw new OverloadError('busy', { retryAfterMs: 3_600_000 });
        },
        { operation: 'read', policy: fast },
      ),
      OverloadError,
    );
    assert.equal(calls, 1);
  });
  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    const slow: RetryPolicy = { attempts: 5, baseMs: 60_000, maxMs: 60_000, maxRetryAfterMs: 1 };
    const pending = withRetry(
      async () => {
        throw new ServerError('502', { status: 502 });
      },
      { operation: 'read', policy: slow, signal: controller.signal, onRetry: () => controller.abort() },
    );
    await assert.rejects(pending, InterruptedError);
  });
});
