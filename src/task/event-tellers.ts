import type { Context } from '../context.js';
import type { RunEvents } from './run-events.js';

// Events told from inside a callback that cannot wait: written as they happen, a listener's own failure its own.

/** A request, a check or a download that failed and is tried again. */
export function tellRetry(
  events: RunEvents,
  id: string | undefined,
  retry: { what: string; attempt: number; attempts?: number; delayMs: number; error: unknown },
): void {
  const { what, attempt, attempts, delayMs, error } = retry;
  void events
    .emit({
      type: 'retry',
      ...(id ? { id } : {}),
      what,
      attempt,
      ...(attempts === undefined ? {} : { attempts }),
      delayMs,
      error: error instanceof Error ? error.message : String(error),
    })
    .catch(() => undefined);
}

/** Tells each status a wait sees once: the first one, then every change, the final one included. */
export function statusTeller(ctx: Context, id: string): (status: string) => void {
  let told: string | undefined;
  return (status) => {
    if (status === told) return;
    const previous = told;
    told = status;
    void ctx.events
      .emit({ type: 'status', id, status, ...(previous === undefined ? {} : { previous }) })
      .catch(() => undefined);
  };
}
