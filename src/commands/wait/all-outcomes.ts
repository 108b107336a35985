// What `wait --all -o` did, task by task, for the GitHub step summary: one row per task it waited for, with the
// price its create was paid (nothing is paid by waiting).
import type { Context } from '../../context.js';
import { loadCatalog, priceOf } from '../../task/model-catalog.js';
import type { ClipOutcome } from '../../task/run-events.js';
import type { Tracked } from './all-report.js';

const SHOWN_STATUS: Record<string, string> = { 'already-saved': 'already saved' };

/** The rows, priced from the journal (the service's cost when it told one), else from the cached model list. */
export async function clipOutcomes(ctx: Context, tracked: Tracked[]): Promise<ClipOutcome[]> {
  // The cached list only: a wait asks the API nothing more for its summary.
  const catalog = tracked.some((t) => t.entry.price === undefined)
    ? await loadCatalog(ctx, undefined).catch(() => undefined)
    : undefined;
  return tracked.map(({ entry, result }) => {
    const price = entry.price ?? (catalog && entry.model ? priceOf(catalog, entry.model) : undefined);
    return {
      id: entry.id,
      status: SHOWN_STATUS[result.status] ?? result.status,
      ...(entry.prompt !== undefined ? { prompt: entry.prompt } : {}),
      ...(result.error ? { code: result.error.code } : {}),
      ...(price !== undefined ? { price } : {}),
      ...(result.path ? { path: result.path } : {}),
    };
  });
}
