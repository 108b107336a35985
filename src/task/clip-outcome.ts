// The row of the GitHub step summary for a command that saves one clip (create -o, rerun -o, wait -o).
import { isVeoError } from '../core/errors.js';
import type { Context } from '../context.js';
import type { Destination } from './output-target.js';
import type { ClipOutcome } from './run-events.js';
import type { SavedVideo } from './wait-and-save.js';

/** Runs `work`, which fills the clip's row in as it goes; the row is reported however the work ends. */
export async function withOutcome(
  ctx: Context,
  outcome: ClipOutcome,
  work: (outcome: ClipOutcome) => Promise<void>,
): Promise<void> {
  try {
    await work(outcome);
  } catch (error) {
    outcome.status = outcome.id ? 'failed' : 'not created';
    outcome.code = isVeoError(error) ? error.code : 'INTERNAL';
    throw error;
  } finally {
    ctx.events.report({ counts: `1 ${outcome.status}`, clips: [outcome] });
  }
}

/** The clip's video is saved: where (a file's path; nothing for stdout). */
export function noteSaved(outcome: ClipOutcome, saved: SavedVideo, to: Destination | undefined): void {
  outcome.status = saved.alreadySaved ? 'already saved' : 'saved';
  if (to?.kind === 'file') outcome.path = saved.path;
}
