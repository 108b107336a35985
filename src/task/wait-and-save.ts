import { basename } from 'node:path';
import type { DownloadProgress, DownloadResult } from '../api/download.js';
import { isVeoError, NotVideoResultError } from '../core/errors.js';
import type { Task } from '../api/schemas.js';
import { formatMs } from '../core/duration.js';
import { awaitingLink, taskPhase } from '../api/status.js';
import type { Context } from '../context.js';
import type { JournalEntry } from '../store/journal.js';
import { RetryNotice } from '../ui/retry-notice.js';
import { pollFailures } from './poll-failures.js';
import type { StatusLine } from '../ui/status-line.js';
import { shellQuote } from '../ui/shell-quote.js';
import { entryFromTask, recordSafely } from './journal-record.js';
import { removeExpiredParts, rememberUnfinished } from './expired-parts.js';
import { explainNotVideo } from './not-video.js';
import { outputArgument, type Destination } from './output-target.js';
import { MIN_INTERVAL_MS, pollInterval } from './poll-interval.js';
import { creationTimeOf, observedDuration } from './poll-schedule.js';
import { taskTimings } from './task-timings.js';
import { clipTagsOf } from './clip-tags.js';
import { formatBytes, progressText, watchForStall } from './download-progress.js';
import { writeSidecar } from './write-sidecar.js';
import { isFileInTheWay, tellFailure } from './failure-event.js';
import { withResume } from './with-resume.js';
import { progressEvents } from './progress-events.js';
import { statusTeller, tellRetry } from './event-tellers.js';

export interface SavedVideo extends DownloadResult {
  id: string | undefined;
}

/** How often to ask and how long to wait, in milliseconds: --interval and --timeout, parsed. */
export interface WaitTiming {
  interval: number;
  timeout: number;
}

/** Polls a task with a live status line, keeping the journal current. */
export async function waitWithStatus(
  ctx: Context,
  id: string,
  timing: WaitTiming,
  status: StatusLine,
  options: {
    /** Before the first check; left out, the schedule decides (a task just created is not done at once). */
    firstPollMs?: number;
    /** When this process created the task, by the local clock; else the id's second stands for it. */
    createdAtMs?: number;
    resume: string;
  },
): Promise<Task> {
  const { waitForTask } = await import('../api/wait.js');
  const client = await ctx.client();
  const started = Date.now();
  let label = `waiting for ${id}`;
  let lastStatus: string | undefined;
  const tellStatus = statusTeller(ctx, id);
  const intervalMs = pollInterval(ctx, timing.interval);
  const minMs = Math.min(ctx.tuning.minIntervalMs ?? MIN_INTERVAL_MS, intervalMs);
  const createdAtMs = options.createdAtMs ?? creationTimeOf(id);
  const timings = taskTimings(ctx);
  let runningSentMs: number | undefined;
  let doneSentMs = 0;
  const nextDelayMs = () => timings.nextDelay(createdAtMs, minMs, intervalMs);
  const failures = pollFailures(ctx, id, new RetryNotice(ctx.out, status), {
    deadline: started + timing.timeout,
    intervalMs,
  });
  const ticker = setInterval(() => status.update(label, formatMs(Date.now() - started)), 1000);
  ticker.unref();
  status.update(label);
  try {
    const task = await waitForTask(client, id, {
      intervalMs,
      nextDelayMs,
      timeoutMs: timing.timeout,
      firstPollMs: options.firstPollMs,
      signal: ctx.signal,
      onProgress: ({ task, elapsedMs, sentAt }) => {
        failures.answered();
        if (taskPhase(task) === 'running') runningSentMs = sentAt;
        else doneSentMs = sentAt;
        label = awaitingLink(task) ? `${id}: done, waiting for its video link` : `${id}: ${task.status}`;
        status.update(label, formatMs(elapsedMs));
        tellStatus(task.status);
        // The final answer is recorded once below, awaited; this keeps the journal current while it runs.
        if (task.status !== lastStatus && taskPhase(task) === 'running') {
          lastStatus = task.status;
          // A failure that must stop the command (a linked journal) surfaces from the awaited write below.
          void recordSafely(ctx, entryFromTask(task)).catch(() => undefined);
        }
      },
      onPollError: (error) => failures.failed(error),
    });
    // Only a task made or seen running here tells how long it took: one found done at once may be long finished.
    const watched = options.createdAtMs !== undefined || runningSentMs !== undefined;
    const tookMs = watched ? Math.round(observedDuration(createdAtMs, doneSentMs, runningSentMs, minMs)) : undefined;
    if (tookMs !== undefined && tookMs > 0) timings.record(tookMs);
    await recordSafely(ctx, { ...entryFromTask(task), ...(tookMs !== undefined && tookMs > 0 ? { tookMs } : {}) });
    return task;
  } catch (error) {
    status.clear();
    if (isVeoError(error) && error.code === 'GENERATION_FAILED') {
      await recordSafely(ctx, { id, status: 'failed', reason: (error as { reason?: string }).reason ?? error.message });
    }
    const told = withResume(error, id, options.resume, 'task');
    await tellFailure(ctx, id, told);
    throw told;
  } finally {
    clearInterval(ticker);
    failures.stop();
  }
}

/** What the journal knows of a task, looked up once for the tags and the sidecar alike (it may read the journal). */
async function journaled(ctx: Context, id: string | undefined): Promise<JournalEntry | undefined> {
  return id === undefined ? undefined : (await ctx.journal()).get(id).catch(() => undefined);
}

/** The journal keeps the hash of the video as served, and that of the file as saved when tags changed it. */
async function recordSave(ctx: Context, id: string | undefined, result: DownloadResult): Promise<void> {
  if (!id) return;
  const { embedding, bytes, sha256 } = result;
  const savedFile = embedding?.embedded ? { bytes: embedding.bytes, sha256: embedding.sha256 } : null;
  await recordSafely(ctx, { id, savedPath: result.path, bytes, sha256, savedFile, handedOffAt: null });
}

/** Hooks, the event stream and the step summary hear of a video in its final place. */
async function announceSaved(ctx: Context, id: string | undefined, result: DownloadResult): Promise<void> {
  const { path, url, bytes, sha256, embedding } = result;
  await ctx.events.emit({
    type: 'saved',
    id,
    path,
    url,
    bytes,
    sha256,
    ...(embedding?.embedded ? { fileSha256: embedding.sha256 } : {}),
    alreadySaved: result.alreadySaved ?? false,
  });
}

/**
 * Saves a finished task's video with progress on the status line, and records where it went. When another veo
 * saved this very video there meanwhile, the result says `alreadySaved` and nothing was downloaded.
 */
export async function saveWithStatus(
  ctx: Context,
  target: { id?: string; url: string; to: Destination; force: boolean; embed?: boolean; infoJson?: boolean },
  status: StatusLine,
  resume: string,
): Promise<SavedVideo> {
  const { downloadVideo, streamVideo } = await import('../api/download.js');
  // With the id, a log of several downloads (sync, batch) says which one each line is about.
  const label = `downloading ${target.id ?? (target.to.kind === 'file' ? basename(target.to.path) : 'to stdout')}`;
  const failures = new RetryNotice(ctx.out, status);
  const stall = watchForStall(status, label);
  const told = progressEvents(ctx, target.id);
  const common = {
    url: target.url,
    apiOrigin: (await ctx.settings()).baseUrl.value,
    signal: ctx.signal,
    taskId: target.id,
    timeoutMs: ctx.tuning.timeoutMs,
    retryBaseMs: ctx.tuning.retryBaseMs,
    attempts: ctx.tuning.attempts,
    maxBytes: ctx.tuning.maxVideoBytes,
    onProgress: (progress: DownloadProgress) => {
      failures.progressed();
      stall.progressed(progress);
      status.update(label, progressText(progress));
      told.progressed(progress);
    },
    onRetry: (retry: { attempt: number; attempts: number; delayMs: number; error: Error }) => {
      tellRetry(ctx.events, target.id, { ...retry, what: 'download' });
      failures.failed({
        what: label,
        error: retry.error,
        retryInMs: retry.delayMs,
        attempt: retry.attempt,
        attempts: retry.attempts,
        trace: `download interrupted (${retry.error.message}); resuming in ${retry.delayMs}ms`,
      });
    },
    onWarning: (message: string) => ctx.out.warn(message),
    onTrace: (line: string) => ctx.out.trace(line),
  };
  status.update(label);
  const { to } = target;
  try {
    if (to.kind === 'stdout') {
      // A stream cannot be rewritten once sent, and moov may come after the media: it goes out as served.
      if (target.embed) ctx.out.warn('Metadata is not embedded in a video written to stdout; it is sent as served.');
      const result = await streamVideo({ ...common, sink: ctx.out.streams.stdout });
      await told.finished(result.bytes);
      return { ...result, path: '-', resumed: false, id: target.id };
    }
    const record = (result: DownloadResult) => recordSave(ctx, target.id, result);
    const known = target.embed || target.infoJson ? await journaled(ctx, target.id) : undefined;
    const embed = target.embed ? clipTagsOf(known ?? { id: target.id ?? null }) : undefined;
    const result = await downloadVideo({
      ...common,
      path: to.path,
      force: target.force,
      onSaved: record,
      ...(embed ? { embed } : {}),
    });
    if (!result.alreadySaved) await told.finished(result.bytes);
    if (result.embedding && !result.embedding.embedded) {
      ctx.out.warn(`The metadata could not be embedded (${result.embedding.problem}); ${result.path} is as served.`);
    }
    // Recorded again when another veo saved it: the journal of this config folder may not be the other one's.
    if (result.alreadySaved) await record(result);
    if (target.infoJson && target.id) await writeSidecar(ctx, target.id, result, known);
    await announceSaved(ctx, target.id, result);
    return { ...result, id: target.id };
  } catch (error) {
    status.clear();
    throw await afterFailedSave(ctx, target, error, resume);
  } finally {
    stall.stop();
  }
}

/** What a failed save leaves is put in order (an expired link, a part to resume), and the failure told. */
async function afterFailedSave(
  ctx: Context,
  target: { id?: string; url: string; to: Destination },
  error: unknown,
  resume: string,
): Promise<unknown> {
  const { to } = target;
  if (target.id && isVeoError(error) && error.kind === 'expired') {
    await recordSafely(ctx, { id: target.id, status: 'expired' });
    const earlier = await (await ctx.journal()).get(target.id).catch(() => undefined);
    await removeExpiredParts(ctx, target.id, [to.kind === 'file' ? to.path : undefined, earlier?.unfinishedDownload]);
  } else if (error instanceof NotVideoResultError) {
    await explainNotVideo(ctx, error, target);
  } else if (target.id && to.kind === 'file') {
    await rememberUnfinished(ctx, target.id, to.path);
  }
  const failure = withResume(error, target.id, resume, to.kind === 'stdout' ? 'stream' : 'download');
  if (!isFileInTheWay(failure)) await tellFailure(ctx, target.id, failure);
  return failure;
}

export function describeSaved(saved: SavedVideo): string {
  if (saved.alreadySaved) return `${saved.path} is already saved: another veo saved this video there`;
  return `saved ${saved.path} (${formatBytes(saved.bytes)})`;
}

/**
 * Ends a create or wait: prints the video url, or saves the video and prints where. In --json mode the task is the
 * document, with the download added; when the video itself went to stdout the document goes to stderr instead.
 */
export async function finishTask(
  ctx: Context,
  task: Task,
  to: Destination | undefined,
  options: { force: boolean; status: StatusLine; embed?: boolean; infoJson?: boolean },
): Promise<SavedVideo | undefined> {
  const { status } = options;
  if (to === undefined) {
    status.done();
    if (ctx.out.json) ctx.out.data(task);
    else ctx.out.result(task.url ?? '');
    return undefined;
  }
  const saved = await saveWithStatus(
    ctx,
    {
      id: task.id,
      url: task.url ?? '',
      to,
      force: options.force,
      embed: options.embed,
      infoJson: options.infoJson ?? false,
    },
    status,
    `veo download ${task.id} -o ${shellQuote(outputArgument(to))}`,
  );
  status.done(to.kind === 'stdout' ? undefined : describeSaved(saved));
  const document = {
    ...task,
    download: {
      id: task.id,
      url: saved.url,
      path: saved.path,
      bytes: saved.bytes,
      sha256: saved.sha256,
      ...(saved.embedding ? { metadata: saved.embedding } : {}),
    },
  };
  if (to.kind === 'stdout') {
    if (ctx.out.json) ctx.out.stderr(`${JSON.stringify(document)}\n`);
  } else if (ctx.out.json) ctx.out.data(document);
  else ctx.out.result(saved.path);
  return saved;
}
