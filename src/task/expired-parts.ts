import { lstat } from 'node:fs/promises';
import type { Context } from '../context.js';
import { recordSafely } from './journal-record.js';

/**
 * Once a task's link has expired for good, the `.part` of its unfinished download can never be completed: it is
 * removed, with its sidecar, wherever veo left one for this very task (its sidecar says so). A file veo did not
 * make there, or a link, is never touched. Says what it removed; a part it cannot remove only costs disk space.
 */
export async function removeExpiredParts(ctx: Context, id: string, targets: (string | undefined)[]): Promise<void> {
  // Loaded here: most commands never meet an expired link, and start-up stays light.
  const { removePartOf } = await import('../api/download-part.js');
  for (const target of new Set(targets.filter((path): path is string => path !== undefined))) {
    try {
      if (await removePartOf(target, id)) {
        ctx.out.info(`Removed ${target}.part: the unfinished download of ${id}, whose link has expired.`);
      }
    } catch (error) {
      ctx.out.trace(`could not remove ${target}.part: ${(error as Error).message}`);
    }
  }
}

/** A download that stopped unfinished is remembered, so that its part can be found once its link is dead. */
export async function rememberUnfinished(ctx: Context, id: string, target: string): Promise<void> {
  const left = await lstat(`${target}.part`).catch(() => undefined);
  if (left?.isFile()) await recordSafely(ctx, { id, unfinishedDownload: target });
}
