import type { Context } from '../context.js';
import type { JournalEntry } from '../store/journal.js';
import { expectedDuration, HISTORY_SIZE, nextPollDelay } from './poll-schedule.js';

/** How many of the newest journaled tasks a wait looks at for durations. */
const HISTORY_LOOKBACK = 4 * HISTORY_SIZE;

/**
 * How long earlier tasks took from creation to done: the latest the journal has a duration for (veo watched them
 * finish), read once per process and only when a wait needs them, then the tasks this process sees finish (a
 * batch learns as it goes).
 */
class TaskTimings {
  private journaled: Promise<number[]> | undefined;
  private readonly seen: number[] = [];

  constructor(private readonly ctx: Context) {}

  async durations(): Promise<number[]> {
    this.journaled ??= this.fromJournal();
    return [...(await this.journaled), ...this.seen].slice(-HISTORY_SIZE);
  }

  /** The delay before the next check of a task created at `createdAtMs`, within the bounds given. */
  async nextDelay(createdAtMs: number, minMs: number, maxMs: number): Promise<number> {
    const expectedMs = expectedDuration(await this.durations());
    return nextPollDelay({ createdAtMs, nowMs: Date.now(), expectedMs, minMs, maxMs });
  }

  record(durationMs: number): void {
    if (Number.isFinite(durationMs) && durationMs > 0) this.seen.push(durationMs);
  }

  private async fromJournal(): Promise<number[]> {
    try {
      const journal = await this.ctx.journal();
      // Only the newest tasks are looked at: a journal of thousands without a duration (older versions wrote
      // none) would otherwise be parsed whole before every wait.
      const { entries } = await journal.recent(HISTORY_LOOKBACK);
      return entries
        .filter(timed)
        .map((entry) => entry.tookMs!)
        .slice(-HISTORY_SIZE);
    } catch {
      // A history is a help, not a need: without one the schedule still keeps its bounds.
      return [];
    }
  }
}

function timed(entry: JournalEntry): boolean {
  return typeof entry.tookMs === 'number' && entry.tookMs > 0;
}

const perContext = new WeakMap<Context, TaskTimings>();

export function taskTimings(ctx: Context): TaskTimings {
  let timings = perContext.get(ctx);
  if (!timings) perContext.set(ctx, (timings = new TaskTimings(ctx)));
  return timings;
}
