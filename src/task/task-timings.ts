import type { Context } from '../context.js';
import type { JournalEntry } from '../store/journal.js';
import { HISTORY_SIZE } from './poll-schedule.js';

/**
 * How long earlier tasks took from creation to done: the latest finished ones in the journal, read once per
 * process and only when a wait needs them, then the tasks this process sees finish (a batch learns as it goes).
 */
class TaskTimings {
  private journaled: Promise<number[]> | undefined;
  private readonly seen: number[] = [];

  constructor(private readonly ctx: Context) {}

  async durations(): Promise<number[]> {
    this.journaled ??= this.fromJournal();
    return [...(await this.journaled), ...this.seen].slice(-HISTORY_SIZE);
  }

  record(durationMs: number): void {
    if (Number.isFinite(durationMs) && durationMs > 0) this.seen.push(durationMs);
  }

  private async fromJournal(): Promise<number[]> {
    try {
      const journal = await this.ctx.journal();
      const { entries } = await journal.recent(HISTORY_SIZE, finishedWithTimes);
      return entries.map((entry) => Date.parse(entry.doneAt!) - startOf(entry));
    } catch {
      // A history is a help, not a need: without one the schedule still keeps its bounds.
      return [];
    }
  }
}

/**
 * When the task started: the answer to its create where this veo made it (its own clock, to the ms), else the
 * middle of the second the service gave. doneAt is when a check first found it done: with checks on this schedule,
 * close after the fact.
 */
function startOf(entry: JournalEntry): number {
  const answered = entry.answeredAt === undefined ? NaN : Date.parse(entry.answeredAt);
  return Number.isFinite(answered) ? answered : Date.parse(entry.createdAt ?? '') + 500;
}

function finishedWithTimes(entry: JournalEntry): boolean {
  return entry.doneAt !== undefined && Number.isFinite(Date.parse(entry.doneAt)) && Number.isFinite(startOf(entry));
}

const perContext = new WeakMap<Context, TaskTimings>();

export function taskTimings(ctx: Context): TaskTimings {
  let timings = perContext.get(ctx);
  if (!timings) perContext.set(ctx, (timings = new TaskTimings(ctx)));
  return timings;
}
