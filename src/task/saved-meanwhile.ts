import type { Context } from '../context.js';
import { stillSaved } from '../store/saved-video.js';

/**
 * The journal, read again now, says the video is saved at `path` and the file there is still it: another veo (an
 * overlapping sync or `wait --all`) saved it since this one read the journal, and it is not fetched again.
 */
export async function savedMeanwhile(ctx: Context, id: string, path: string): Promise<boolean> {
  const entry = await (await ctx.journal()).get(id).catch(() => undefined);
  return entry !== undefined && entry.savedPath === path && (await stillSaved(entry));
}
