/**
 * Milliseconds on a monotonic clock, as performance.now() gives them: the `performance` global loads node's whole
 * perf_hooks module on first use (about 4 ms), which a short command would pay for one duration.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
