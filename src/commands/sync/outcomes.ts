// What a sync did, clip by clip, for the GitHub step summary: the videos it saved, could not save, found still
// running or newly lost. Videos saved by earlier runs are counted in the heading but not listed again every time.
import type { Context } from '../../context.js';
import type { JournalEntry } from '../../store/journal.js';
import { loadCatalog, priceOf } from '../../task/model-catalog.js';
import type { ClipOutcome } from '../../task/run-events.js';
import { countsOf, videosOf, type SyncedVideo, type SyncSummary } from './run.js';

const SHOWN_STATE: Record<string, string> = {
  'already-saved': 'already saved',
  'handed-off': 'handed off',
  'not-video': 'not a video',
};

function listed(video: SyncedVideo): boolean {
  return (
    video.state !== 'already-saved' &&
    video.state !== 'handed-off' &&
    (video.state !== 'expired' || video.newlyLost === true)
  );
}

export async function reportOutcomes(ctx: Context, summary: SyncSummary, entries: JournalEntry[]): Promise<void> {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  // The cached model list only: a sync asks the API nothing more for its summary.
  const catalog = await loadCatalog(ctx, undefined).catch(() => undefined);
  const clips = videosOf(summary)
    .filter(listed)
    .map((video): ClipOutcome => {
      const entry = byId.get(video.id);
      // The journal's price (the service's cost when it told one) before the model list's.
      const price = entry?.price ?? (catalog && entry?.model ? priceOf(catalog, entry.model) : undefined);
      return {
        id: video.id,
        status: SHOWN_STATE[video.state] ?? video.state,
        ...(entry?.prompt !== undefined ? { prompt: entry.prompt } : {}),
        ...(video.error ? { code: video.error.code } : {}),
        ...(price !== undefined ? { price } : {}),
        ...(video.path ? { path: video.path } : {}),
      };
    });
  ctx.events.report({ counts: countsOf(summary), clips });
}
