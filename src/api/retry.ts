import { addClause, NetworkError, OverloadError, ServerError, InterruptedError } from '../core/errors.js';
import { mayRepeatCreate, notTheService } from './safety.js';

export interface RetryPolicy {
  /** Total attempts, the first one included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is reported instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseMs: 1000, maxMs: 20_000, maxRetryAfterMs: 60_000 };

/**
 * Reads are idempotent and cost nothing, so they retry on anything transient. A create is paid for: whether one
 * may be repeated is decided by the rules of a safe create (safety.ts).
 */
export type Operation = 'read' | 'create';

export function isRetryable(error: unknown, operation: Operation): boolean {
  if (operation === 'create') return mayRepeatCreate(error);
  if (error instanceof OverloadError) return true;
  if (error instanceof NetworkError) return error.transient;
  if (error instanceof ServerError) {
    if (notTheService(error)) return false;
    if (error.apiCode !== undefined) return error.apiCode === 1 || error.apiCode === 500;
    return error.status === undefined || error.status >= 500 || error.status === 200;
  }
  return false;
}

function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof OverloadError || error instanceof ServerError) return error.retryAfterMs;
  return undefined;
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed so retries never bunch up at zero, half is
 * random so that many clients don't retry in lockstep. A server's `Retry-After` wins when it is given.
 */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number, random = Math.random): number {
  if (retryAfterMs !== undefined) return Math.max(0, retryAfterMs);
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Parses `Retry-After` as seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryEvent {
  attempt: number;
  /** How many attempts there are in all. */
  attempts: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  operation: Operation;
  policy?: RetryPolicy;
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
  random?: () => number;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError('Interrupted.', { sent: false }));
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(new InterruptedError('Interrupted.', { sent: false }));
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Whether the attempt that failed may have reached the server, as far as its error tells. */
function wasSent(error: unknown): boolean | undefined {
  if (error instanceof NetworkError) return error.sent;
  if (error instanceof InterruptedError) return error.sent;
  return undefined;
}

export async function withRetry<T>(attemptFn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptFn(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw new InterruptedError('Interrupted.', { cause: error, sent: wasSent(error) });
      if (attempt >= policy.attempts || !isRetryable(error, options.operation)) {
        // Say that it was tried more than once: a long silent wait otherwise looks like a hang.
        if (attempt > 1 && error instanceof Error)
          error.message = addClause(error.message, `gave up after ${attempt} attempts`);
        throw error;
      }
      const retryAfter = retryAfterOf(error);
      if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) throw error;
      const delayMs = retryDelay(attempt, policy, retryAfter, options.random);
      options.onRetry?.({ attempt, attempts: policy.attempts, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}
