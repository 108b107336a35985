import { InterruptedError, type ErrorKind } from '../../core/errors.js';
import { throwIfItemsFailed } from '../../core/failed-items.js';
import type { Context } from '../../context.js';
import type { JournalEntry } from '../../store/journal.js';
import type { ClipOutcome } from '../../task/run-events.js';
import { counted, shorten } from '../../ui/text-format.js';
import type { OpenCreates } from './unfinished.js';

/**
 * One task of the `--json` document. `done`: finished, its url printed (no -o); `saved` / `already-saved`: its clip
 * is at `path` (saved by this run, or by another veo meanwhile); `failed`: the generation failed or the clip could
 * not be saved; `pending`: not finished (--timeout, or the run was interrupted).
 */
export interface TaskResult {
  id: string;
  prompt: string | null;
  status: 'done' | 'saved' | 'already-saved' | 'failed' | 'pending';
  url: string | null;
  path: string | null;
  error: { code: string; message: string; exitCode: number } | null;
}

export interface Tracked {
  /** From 1, in the journal's order (oldest first). */
  index: number;
  entry: JournalEntry;
  result: TaskResult;
  /** With -o: where its clip goes. */
  path?: string;
  /** Set for every task that counts against the exit code. */
  kind?: ErrorKind;
}

function ids(tracked: Tracked[]): string {
  const shown = tracked.slice(0, 10).map((t) => t.entry.id);
  return `${shown.join(', ')}${tracked.length > shown.length ? ', ...' : ''}`;
}

/**
 * The outcome: one JSON document with --json (the urls or paths went to stdout as each task finished otherwise),
 * a summary on stderr, then the exit code: 130 when interrupted, else the most severe failure's.
 */
export function reportAll(
  ctx: Context,
  tracked: Tracked[],
  run: {
    saving: boolean;
    creates: OpenCreates;
    resume: string;
    afterTimeout: string;
    clips?: ClipOutcome[] | undefined;
  },
): void {
  const by = (status: TaskResult['status']) => tracked.filter((t) => t.result.status === status);
  const finished = run.saving ? [...by('saved'), ...by('already-saved')] : by('done');
  const failed = by('failed');
  const pending = by('pending');
  if (ctx.out.json) ctx.out.data({ tasks: tracked.map((t) => t.result), ...run.creates });

  const counts = run.saving
    ? [`${by('saved').length} saved`, `${by('already-saved').length} already saved`]
    : [`${finished.length} done`];
  counts.push(`${failed.length} failed`, `${pending.length} not finished`);
  ctx.out.info(`wait --all: ${counts.join(', ')} (of ${tracked.length})`);
  // The step summary's rows, for the clips this run saved into its folder.
  if (run.clips) ctx.events.report({ counts: `${counts.join(', ')} (of ${tracked.length})`, clips: run.clips });
  for (const t of [...failed, ...pending.filter((p) => p.result.error)]) {
    const prompt = t.entry.prompt ? `  [${shorten(t.entry.prompt, 40)}]` : '';
    ctx.out.info(`  ${t.entry.id}: ${t.result.error?.message ?? 'failed'}${prompt}`);
  }

  if (ctx.signal.aborted) {
    throw new InterruptedError(
      `Interrupted: ${finished.length} of ${counted(tracked.length, 'task')} ${run.saving ? 'saved' : 'done'}; the others keep running on the service.`,
      { hint: `Resume with: ${run.resume}` },
    );
  }
  const troubled = tracked.filter((t) => t.kind !== undefined);
  throwIfItemsFailed(
    troubled.map((t) => t.kind as ErrorKind),
    () => ({
      message: `${troubled.length} of ${counted(tracked.length, 'task')} ${troubled.length === 1 ? 'was' : 'were'} not ${run.saving ? 'saved' : 'finished'}: ${ids(troubled)}.`,
      hint: hintFor(troubled, run.resume, run.afterTimeout),
    }),
  );
}

/** A failed generation is final; a timeout or a failed download is picked up by running the same command again. */
function hintFor(troubled: Tracked[], resume: string, afterTimeout: string): string {
  if (troubled.every((t) => t.kind === 'generation')) {
    return 'A failed generation cannot be waited for again: `veo create` makes a new clip (paid again).';
  }
  if (troubled.every((t) => t.kind === 'timeout')) return `Resume with: ${afterTimeout}`;
  return `Fix the cause and run ${resume} again: saved clips are not downloaded twice, and failed generations are not waited for again.`;
}
