import type { Context } from '../context.js';

/** Every status check is a request to a paid service: at most one a second, whatever --interval says. */
export const MIN_INTERVAL_MS = 1000;

const warned = new WeakSet<Context>();

/**
 * The interval actually used: --interval, raised to the minimum with one warning. VEO_MIN_INTERVAL_MS lowers the
 * minimum for the test suite, which polls a local simulator.
 */
export function pollInterval(ctx: Context, requestedMs: number): number {
  const floor = ctx.tuning.minIntervalMs ?? MIN_INTERVAL_MS;
  if (requestedMs >= floor) return requestedMs;
  if (!warned.has(ctx)) {
    warned.add(ctx);
    ctx.out.warn(
      `--interval ${requestedMs / 1000} is below the minimum of ${floor / 1000}s: checking every ${floor / 1000}s instead (each check is a request to the service).`,
      'INTERVAL_RAISED',
    );
  }
  return floor;
}
