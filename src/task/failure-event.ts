import { FileExistsError, InterruptedError, isVeoError } from '../core/errors.js';
import { EXIT_CODES } from '../core/exit-codes.js';
import { failureKind } from '../core/failed-items.js';
import type { Context } from '../context.js';

/** Errors already told: one failure passes through several layers (a download, then its batch item). */
const told = new WeakSet<object>();

/**
 * Tells listeners that a task, a download or an item failed, once per failure. A stop asked for (a signal) is not a
 * failure of the work, and a file in the way is told by whoever decides what it means (sync finds it saved).
 */
export async function tellFailure(ctx: Context, id: string | undefined, error: unknown): Promise<void> {
  if (!ctx.events.listening) return;
  if (error instanceof InterruptedError || (isVeoError(error) && error.kind === 'interrupted')) return;
  if (typeof error === 'object' && error !== null) {
    if (told.has(error)) return;
    told.add(error);
  }
  await ctx.events
    .emit({
      type: 'failed',
      ...(id ? { id } : {}),
      code: isVeoError(error) ? error.code : 'INTERNAL',
      message: error instanceof Error ? error.message : String(error),
      exitCode: EXIT_CODES[failureKind(error)],
    })
    .catch(() => undefined);
}

/** A file in the way of a save is not told by the save itself: see tellFailure. */
export function isFileInTheWay(error: unknown): boolean {
  return error instanceof FileExistsError;
}
