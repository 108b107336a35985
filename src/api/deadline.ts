/** Node fires a timer longer than this at once (with a warning), so longer waits are armed in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Deadline {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * A signal that aborts at `at` (epoch ms), however far away that is; the timer never keeps the process alive.
 * `dispose` stops it once the work it bounds is over.
 */
export function deadlineAt(at: number): Deadline {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = at - Date.now();
    if (left <= 0) {
      controller.abort(new Error('deadline passed'));
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}
