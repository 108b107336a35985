import { counted } from '../../ui/text-format.js';
import * as z from 'zod/mini';
import '../../core/zod-english.js';
import { FileExistsError, isVeoError, NotVideoResultError, type ErrorKind } from '../../core/errors.js';
import { failureKind, throwIfItemsFailed } from '../../core/failed-items.js';
import { taskPhase } from '../../api/status.js';
import type { Context } from '../../context.js';
import type { SyncInput } from './index.js';
import type { JournalEntry } from '../../store/journal.js';
import { stillSaved } from '../../store/saved-video.js';
import { saveWithStatus } from '../../task/wait-and-save.js';
import { savedMeanwhile } from '../../task/saved-meanwhile.js';
import { entryFromTask, loadJournal, recordSafely } from '../../task/journal-record.js';
import { entryState } from '../../task/entry-state.js';
import { parseOptions } from '../shared/option-schemas.js';
import { defaultVideoPath } from '../../task/output-target.js';
import { valuesOfEntry } from '../../task/output-names.js';
import { savingChoices } from '../../task/run-settings.js';
import { removeExpiredParts } from '../../task/expired-parts.js';
import { tellFailure } from '../../task/failure-event.js';

const syncSchema = z.object({
  dir: z.optional(z.string().check(z.minLength(1))),
  force: z._default(z.boolean(), false),
  embedMetadata: z.optional(z.boolean()),
  writeInfoJson: z.optional(z.boolean()),
});
export type SyncOptions = z.infer<typeof syncSchema>;

export interface SyncSummary {
  saved: string[];
  alreadySaved: string[];
  /** Saved, then moved or removed by the --exec hooks of the run that saved them: not fetched again. */
  handedOff: string[];
  running: string[];
  expired: string[];
  failed: { id: string; code: string; message: string }[];
  /** Tasks whose result turned out not to be a video: reported by this sync, never tried again. */
  notVideo: { id: string; code: string; message: string; hint: string }[];
  /** Where each saved (or already saved) video is. */
  paths: Map<string, string>;
  /** Expired videos an earlier sync already reported lost. */
  reportedLost: Set<string>;
}

export type SyncState = 'saved' | 'already-saved' | 'handed-off' | 'running' | 'expired' | 'failed' | 'not-video';

export interface SyncedVideo {
  id: string;
  state: SyncState;
  path: string | null;
  /** expired: whether this sync is the first to find it lost (an earlier one reported it already otherwise). */
  newlyLost?: boolean;
  error?: { code: string; message: string; hint?: string };
}

type Fail = (id: string, error: unknown) => Promise<void>;

/** The journal's entries, the running ones asked about once more (and recorded) so that finished ones get saved. */
async function refreshRunning(ctx: Context, entries: JournalEntry[], fail: Fail): Promise<JournalEntry[]> {
  const client = entries.some((entry) => entryState(entry) === 'running') ? await ctx.client() : undefined;
  const current: JournalEntry[] = [];
  for (const entry of entries) {
    if (entryState(entry) !== 'running' || !client) {
      current.push(entry);
      continue;
    }
    try {
      const task = await client.getTask(entry.id, { signal: ctx.signal });
      const patch = entryFromTask(task);
      await recordSafely(ctx, patch);
      current.push({ ...entry, ...patch });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      await fail(entry.id, error);
    }
  }
  return current;
}

/** Saves one finished video to its default place, unless another veo saved it there already. */
async function saveEntry(
  ctx: Context,
  entry: JournalEntry & { url: string },
  options: SyncOptions,
  summary: SyncSummary,
  fail: Fail,
  saving: { embed: boolean; infoJson: boolean },
): Promise<void> {
  const path = await defaultVideoPath(ctx, valuesOfEntry(entry.id, entry), options.dir);
  // An overlapping sync (cron) may have saved it since this one read the journal.
  if (!options.force && (await savedMeanwhile(ctx, entry.id, path))) {
    summary.alreadySaved.push(entry.id);
    summary.paths.set(entry.id, path);
    return;
  }
  const status = await ctx.out.statusLine();
  try {
    const saved = await saveWithStatus(
      ctx,
      {
        id: entry.id,
        url: entry.url,
        to: { kind: 'file', path },
        force: options.force,
        embed: saving.embed,
        infoJson: saving.infoJson,
      },
      status,
      'veo sync',
    );
    status.done();
    // Another veo (an overlapping sync) saved it while this one waited for it: already saved, not saved twice.
    summary.paths.set(entry.id, saved.path);
    if (saved.alreadySaved) summary.alreadySaved.push(entry.id);
    else {
      summary.saved.push(entry.id);
      if (!ctx.out.json) ctx.out.result(saved.path);
    }
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    if (error instanceof FileExistsError && (await savedMeanwhile(ctx, entry.id, path))) {
      status.clear();
      summary.alreadySaved.push(entry.id);
      summary.paths.set(entry.id, path);
      return;
    }
    if (isVeoError(error) && error.kind === 'expired') summary.expired.push(entry.id);
    else if (error instanceof NotVideoResultError) {
      summary.notVideo.push({ id: entry.id, code: error.code, message: error.message, hint: error.hint ?? '' });
    } else await fail(entry.id, error);
  }
}

/**
 * Where a video the journal saved stands: still in place, handed on by its hooks (moved to an archive or an upload:
 * fetching it again would only hand it on again), or gone and to be fetched again. A saved video whose link is dead
 * could not be fetched again anyway: it is not re-hashed on every run.
 */
async function savedState(entry: JournalEntry): Promise<'here' | 'handed-off' | 'gone'> {
  const linkAlive = !entry.expiresAt || Date.parse(entry.expiresAt) > Date.now();
  if (!linkAlive || (await stillSaved(entry))) return 'here';
  return entry.handedOffAt ? 'handed-off' : 'gone';
}

/** Asks once about every unfinished task, then saves every finished video whose link still lives. Idempotent. */
export async function syncCommand(ctx: Context, options: SyncOptions): Promise<void> {
  const summary: SyncSummary = {
    saved: [],
    alreadySaved: [],
    handedOff: [],
    running: [],
    expired: [],
    failed: [],
    notVideo: [],
    paths: new Map(),
    reportedLost: new Set(),
  };
  const kinds: ErrorKind[] = [];
  const fail: Fail = async (id, error) => {
    await tellFailure(ctx, id, error);
    kinds.push(failureKind(error));
    summary.failed.push({
      id,
      code: isVeoError(error) ? error.code : 'INTERNAL',
      message: error instanceof Error ? error.message : String(error),
    });
  };
  const { entries, damaged } = await loadJournal(ctx);
  for (const record of damaged)
    ctx.out.warn(`journal line ${record.line} is damaged (${record.problem}); skipped`, 'JOURNAL_DAMAGED');

  const saving = savingChoices(ctx, options.embedMetadata, options.writeInfoJson);
  for (const entry of await refreshRunning(ctx, entries, fail)) {
    const state = entryState(entry);
    if (state === 'running') summary.running.push(entry.id);
    if (state === 'expired') {
      summary.expired.push(entry.id);
      if (entry.lostReportedAt) summary.reportedLost.add(entry.id);
      const where = [
        entry.unfinishedDownload,
        await defaultVideoPath(ctx, valuesOfEntry(entry.id, entry), options.dir),
      ];
      await removeExpiredParts(ctx, entry.id, where);
    }
    const saved = state === 'saved' ? await savedState(entry) : undefined;
    if (saved === 'here' || saved === 'handed-off') {
      summary[saved === 'here' ? 'alreadySaved' : 'handedOff'].push(entry.id);
      if (entry.savedPath) summary.paths.set(entry.id, entry.savedPath);
    }
    const wanted = state === 'unsaved' || saved === 'gone';
    if (!wanted || !entry.url || taskPhase({ status: entry.status ?? '', url: entry.url }) !== 'done') continue;
    await saveEntry(ctx, { ...entry, url: entry.url }, options, summary, fail, await saving());
  }

  report(ctx, summary);
  await tellOutcomes(ctx, summary, new Map(entries.map((entry) => [entry.id, entry.prompt])));
  if (ctx.events.listening) await (await import('./outcomes.js')).reportOutcomes(ctx, summary, entries);
  // A video lost for good fails the sync that finds it (exit 8), once: the journal remembers it was reported, so a
  // cron job is told, and the syncs after it are not failed forever by a loss nobody can undo.
  const lost = summary.expired.filter((id) => !summary.reportedLost.has(id));
  for (const id of lost) await recordSafely(ctx, { id, lostReportedAt: new Date().toISOString() });
  if (lost.length > 0) kinds.push('expired');
  if (summary.notVideo.length > 0) kinds.push('generation');
  throwIfItemsFailed(kinds, () => ({
    message: [
      summary.failed.length > 0 ? `${counted(summary.failed.length, 'video')} could not be saved.` : '',
      lost.length > 0
        ? `${counted(lost.length, 'video')} expired before being saved and cannot be downloaded any more (${lost.join(', ')}).`
        : '',
      summary.notVideo.length > 0
        ? `${counted(summary.notVideo.length, 'task')} made something other than a video (${summary.notVideo.map((n) => n.id).join(', ')}); later syncs do not try again.`
        : '',
    ]
      .filter(Boolean)
      .join(' '),
    hint:
      summary.failed.length > 0
        ? 'Run `veo sync` again once the problem is fixed: saved videos are not downloaded twice.'
        : lost.length === 0
          ? 'Fetch each result with the curl command shown above it before its link expires.'
          : 'A lost video needs a new task (`veo create`, paid again). Later syncs do not fail for it again.',
  }));
}

/** Every video looked at, in one list: its state and, when saved, where. */
export function videosOf(summary: SyncSummary): SyncedVideo[] {
  const withPath = (id: string, state: SyncState): SyncedVideo => ({ id, state, path: summary.paths.get(id) ?? null });
  return [
    ...summary.saved.map((id) => withPath(id, 'saved')),
    ...summary.alreadySaved.map((id) => withPath(id, 'already-saved')),
    ...summary.handedOff.map((id) => withPath(id, 'handed-off')),
    ...summary.running.map((id) => withPath(id, 'running')),
    ...summary.expired.map((id) => ({ ...withPath(id, 'expired'), newlyLost: !summary.reportedLost.has(id) })),
    ...summary.failed.map(({ id, code, message }) => ({ ...withPath(id, 'failed'), error: { code, message } })),
    ...summary.notVideo.map(({ id, code, message, hint }) => ({
      ...withPath(id, 'not-video'),
      error: { code, message, hint },
    })),
  ];
}

/** Listeners hear of every video looked at, as the --json document lists them (no line: sync reads no file). */
async function tellOutcomes(
  ctx: Context,
  summary: SyncSummary,
  prompts: Map<string, string | undefined>,
): Promise<void> {
  if (!ctx.events.listening) return;
  for (const video of videosOf(summary)) {
    await ctx.events
      .emit({
        type: 'item',
        id: video.id,
        outcome: video.state,
        prompt: prompts.get(video.id),
        ...(video.path ? { path: video.path } : {}),
        ...(video.error ? { code: video.error.code, message: video.error.message } : {}),
      })
      .catch(() => undefined);
  }
}

function report(ctx: Context, summary: SyncSummary): void {
  if (ctx.out.json) {
    const { saved, alreadySaved, handedOff, running, expired, failed } = summary;
    ctx.out.data({ videos: videosOf(summary), saved, alreadySaved, handedOff, running, expired, failed });
    return;
  }
  for (const failure of summary.failed) ctx.out.info(`${failure.id}: ${failure.message}`);
  for (const result of summary.notVideo) ctx.out.info(`${result.id}: ${result.message} ${result.hint}`);
  for (const id of summary.expired) {
    const when = summary.reportedLost.has(id) ? ' (reported before)' : '';
    ctx.out.info(`${id}: the link expired before the video was saved; it is lost${when}`);
  }
  // The summary is for people; stdout carries only the paths saved, so a quiet cron job stays silent when idle.
  ctx.out.info(`sync: ${countsOf(summary)}`);
}

export function countsOf(summary: SyncSummary): string {
  return [
    `${summary.saved.length} saved`,
    `${summary.alreadySaved.length} already saved`,
    ...(summary.handedOff.length > 0 ? [`${summary.handedOff.length} handed off by hooks`] : []),
    `${summary.running.length} still running`,
    `${summary.expired.length} expired`,
    `${summary.failed.length} failed`,
    ...(summary.notVideo.length > 0 ? [`${summary.notVideo.length} not a video`] : []),
  ].join(', ');
}

export async function run(ctx: Context, input: SyncInput): Promise<void> {
  await syncCommand(ctx, parseOptions(syncSchema, input.options));
}
