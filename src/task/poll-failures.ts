import type { Context } from '../context.js';
import { tellRetry } from './event-tellers.js';
import { clockTime, formatDelay, retriedRequests, shortReason, type RetryNotice } from '../ui/retry-notice.js';

/**
 * How a wait tells of a failed check: not "gave up" (polling goes on), but how many requests failed in a row and
 * until when polling continues. While it is active, the client's own retry notes count the same way (see
 * Output.polling), so no "attempt 5 of 5" appears just before the wait carries on.
 */
export function pollFailures(
  ctx: Context,
  id: string,
  notice: RetryNotice,
  timing: { deadline: number; intervalMs: number },
): { failed(error: unknown): void; answered(): void; stop(): void } {
  const polling = { deadline: timing.deadline, failedInARow: 0 };
  ctx.out.polling = polling;
  return {
    failed(error) {
      const { message, requests } = retriedRequests(error);
      polling.failedInARow += requests;
      const count = polling.failedInARow;
      // No number of attempts: a wait goes on checking until its timeout.
      tellRetry(ctx.events, id, { what: 'poll', attempt: count, delayMs: timing.intervalMs, error });
      const inARow = `the request failed ${count === 1 ? 'once' : `${count} times in a row`}`;
      const until = Number.isFinite(timing.deadline)
        ? `until the timeout at ${clockTime(timing.deadline)}`
        : 'without a timeout';
      notice.failed({
        what: `checking ${id}`,
        error,
        retryInMs: timing.intervalMs,
        warning: `checking ${id} failed: ${message.replace(/\.$/, '')}; ${inARow}. Polling goes on ${until}; next check in ${formatDelay(timing.intervalMs)}.`,
        why: `${shortReason(error)} (${count} failed in a row)`,
        trace: `poll failed, will try again: ${(error as Error).message}`,
      });
    },
    answered() {
      notice.recovered();
      polling.failedInARow = 0;
    },
    stop() {
      ctx.out.polling = undefined;
    },
  };
}
