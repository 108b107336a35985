// When to ask about a running task next: a pure function of when it was created, the time now, and how long
// earlier tasks took, so that a video is fetched close to the moment it is ready without asking more than once a
// second. Between the bounds the schedule is free; `--interval` is the longest gap it may leave.

export interface ScheduleInput {
  /** When the task was created, ms since the epoch (local clock, or the id's second; see creationTimeOf). */
  createdAtMs: number;
  nowMs: number;
  /** How long tasks take from creation to done, judged from earlier ones; undefined with no history. */
  expectedMs: number | undefined;
  /** The shortest gap between two checks (1 s: each check is a request to a paid service). */
  minMs: number;
  /** The longest gap: --interval. */
  maxMs: number;
}

/** Without history the gap is this fraction of the task's age: short for a young task, growing to the bound. */
const AGE_FRACTION = 1 / 8;
/** Past the expected time, the gap grows by this fraction of how late the task is, from the minimum to the bound. */
const OVERDUE_FRACTION = 1 / 4;

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), Math.max(low, high));
}

/** The delay before the next check, in ms. */
export function nextPollDelay(input: ScheduleInput): number {
  const { createdAtMs, nowMs, expectedMs, minMs, maxMs } = input;
  if (expectedMs === undefined) return clamp((nowMs - createdAtMs) * AGE_FRACTION, minMs, maxMs);
  const untilDue = createdAtMs + expectedMs - nowMs;
  if (untilDue <= 0) return clamp(-untilDue * OVERDUE_FRACTION, minMs, maxMs);
  // Even steps, none longer than the bound, so that one check lands on the expected time itself.
  return clamp(untilDue / Math.ceil(untilDue / Math.max(maxMs, 1)), minMs, maxMs);
}

/**
 * A task's creation time from its id (a MongoDB ObjectId: the first 8 hex digits are its second): the middle of
 * that second, since the id cuts the milliseconds off.
 */
export function creationTimeOf(id: string): number {
  return parseInt(id.slice(0, 8), 16) * 1000 + 500;
}

/** How many of the latest durations the estimate looks at: recent enough to follow a change in the service. */
export const HISTORY_SIZE = 15;
/**
 * The quantile of recent durations aimed at. Above the median on purpose: a check that comes too early costs a
 * whole second (the next one may not come sooner), one that comes a little late only that little.
 */
export const AIM_QUANTILE = 0.75;

/** Longer than this, a duration says more about when someone looked than about the service: left out. */
export const MAX_DURATION_MS = 30 * 60_000;

/** The expected time from creation to done: a high quantile of the latest durations, or undefined without any. */
export function expectedDuration(durationsMs: readonly number[]): number | undefined {
  const recent = durationsMs.filter((d) => Number.isFinite(d) && d > 0 && d <= MAX_DURATION_MS).slice(-HISTORY_SIZE);
  if (recent.length === 0) return undefined;
  const sorted = [...recent].sort((a, b) => a - b);
  const position = (sorted.length - 1) * AIM_QUANTILE;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/**
 * How long a finished task took, from the checks that saw it: the one that found it done was sent at `doneSentMs`,
 * the one before (if any) found it still running at `runningSentMs`. When those two were close (the checks around
 * the expected time, or a young task's), it finished in between, and the middle is the estimate; otherwise only
 * the check that found it done says anything, and it stands for the time (a check lands on the expected time, so
 * this keeps the estimate where it is).
 */
export function observedDuration(
  createdAtMs: number,
  doneSentMs: number,
  runningSentMs: number | undefined,
  minMs: number,
): number {
  const close = runningSentMs !== undefined && doneSentMs - runningSentMs <= 1.5 * minMs;
  return (close ? (runningSentMs + doneSentMs) / 2 : doneSentMs) - createdAtMs;
}
