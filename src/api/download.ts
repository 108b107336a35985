import { createHash } from 'node:crypto';
import { lstat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Dispatcher } from 'undici';
import { claimTarget, type ClaimOwner } from './download-claim.js';
import { discard, get, readAnswer, requestHeaders, type Answer } from './download-fetch.js';
import { identityOf, PartFile, sameVideo, type PartIdentity } from './download-part.js';
import {
  deadlineError,
  DEADLINE_IN_TIMEOUTS,
  DEFAULT_TIMEOUT_MS,
  MAX_RESTARTS,
  MAX_VIDEO_BYTES,
  MIN_PROGRESS_BYTES,
  policyOf,
  type DownloadOptions,
  type DownloadResult,
  type Embedding,
  type Run,
  type Saved,
} from './download-run.js';
import { receive } from './download-receive.js';
import { addClause, DownloadError, InterruptedError, isVeoError, LinkExpiredError } from '../core/errors.js';
import { deadlineAt } from './deadline.js';
import { isPermanent } from './http.js';
import { checkTarget, localFileError, makeFolder } from './local-files.js';
import { checkMp4File } from './mp4-boxes.js';
import { embedTags, Mp4LayoutError } from './mp4-embed.js';
import type { ClipTags } from './mp4-tags.js';
import { parseVideoUrl } from './origin.js';
import { retryDelay, sleep } from './retry.js';

export type { DownloadOptions, DownloadProgress, DownloadResult, Embedding } from './download-run.js';
export { MAX_VIDEO_BYTES } from './download-run.js';
export { streamVideo } from './download-stdout.js';

/**
 * Saves a video: claims the target against other veo processes, streams the body into a part that belongs to
 * this very video (resuming one where it can), checks its length and its MP4 structure, then moves it into
 * place. A failure never leaves a file under the final name; every loop inside is bounded.
 */
export async function downloadVideo(options: DownloadOptions): Promise<DownloadResult> {
  const url = parseVideoUrl(options.url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const deadline = started + (options.deadlineMs ?? timeoutMs * DEADLINE_IN_TIMEOUTS);
  const force = Boolean(options.force);
  const { taskId, path } = options;
  try {
    await makeFolder(dirname(path));
  } catch (error) {
    throw localFileError(error, dirname(path), taskId);
  }
  const identity = identityOf(url, taskId);
  let disposeDeadline = (): void => undefined;
  const claim = await claimTarget(path, {
    resource: identity.resource,
    taskId,
    deadline,
    signal: options.signal,
    onWait: (owner) =>
      options.onWarning?.(`another veo (pid ${owner.pid}) is saving ${path}; waiting for it to finish`),
  });
  try {
    if (claim.waitedFor) {
      const saved = await savedByTheOther(claim.waitedFor, identity, path);
      if (saved) return { url: url.href, path, ...saved, resumed: false, alreadySaved: true };
    }
    // Checked under the claim: a file another veo is moving into place is seen only once it is journaled too.
    await checkTarget(path, force, taskId);
    const expiry = deadlineAt(deadline);
    disposeDeadline = expiry.dispose;
    const deadlineSignal = expiry.signal;
    const run: Run = {
      url,
      part: new PartFile(path, identity, taskId),
      options,
      timeoutMs,
      maxBytes: options.maxBytes ?? MAX_VIDEO_BYTES,
      started,
      deadline,
      deadlineSignal,
      signal: options.signal ? AbortSignal.any([options.signal, deadlineSignal]) : deadlineSignal,
      restarts: 0,
      onDisk: 0,
    };
    const saved = await withAttempts(run);
    const embedding = options.embed ? await embedIntoPlace(run.part, options.embed, force) : undefined;
    if (!embedding?.embedded) await run.part.moveIntoPlace(force);
    const result: DownloadResult = { url: url.href, path, ...saved, ...(embedding ? { embedding } : {}) };
    await options.onSaved?.(result);
    return result;
  } finally {
    disposeDeadline();
    await claim.release();
  }
}

/**
 * Writes a tagged copy of the verified part beside it and moves that into place; the part stays until then, so an
 * interruption leaves a resumable whole part, never a half-written final file. A layout the writer cannot rewrite
 * exactly is no failure: the caller saves the video as served and reports why.
 */
async function embedIntoPlace(part: PartFile, tags: ClipTags, force: boolean): Promise<Embedding> {
  const tagged = `${part.path}.tagged`;
  try {
    await unlink(tagged).catch(() => undefined);
    const written = await embedTags(part.path, tagged, tags);
    await part.moveIntoPlace(force, tagged);
    return { embedded: true, ...written };
  } catch (error) {
    await unlink(tagged).catch(() => undefined);
    if (error instanceof Mp4LayoutError) return { embedded: false, problem: error.message };
    if (isVeoError(error)) throw error;
    // Only the file system reports a code; anything else is the writer failing on this file's layout.
    if (!isSystemError(error))
      return { embedded: false, problem: `the file could not be rewritten (${messageOf(error)})` };
    throw localFileError(error, tagged, part.identity.taskId);
  }
}

/** The video the other veo was saving, if it is this one and it is there, whole. */
async function savedByTheOther(
  owner: ClaimOwner,
  identity: PartIdentity,
  path: string,
): Promise<{ bytes: number; sha256: string } | undefined> {
  if (owner.resource === undefined || !sameVideo({ taskId: owner.taskId, resource: owner.resource }, identity)) {
    return undefined;
  }
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile() || !(await checkMp4File(path).catch(() => undefined))?.ok) return undefined;
  const hash = createHash('sha256');
  const part = new PartFile(path, identity);
  await part.hashInto(hash, path);
  return { bytes: info.size, sha256: hash.digest('hex') };
}

async function withAttempts(run: Run): Promise<Saved> {
  const { options } = run;
  const policy = policyOf(options);
  let failures = 0;
  let best = 0;
  let resumed = false;
  for (;;) {
    let lastError: DownloadError;
    try {
      const outcome = await attempt(run);
      if (typeof outcome !== 'string') return { ...outcome, resumed: resumed || outcome.resumed };
      lastError = new DownloadError(`The file host ${outcome}.`, { taskId: options.taskId, retryable: true });
    } catch (error) {
      if (options.signal?.aborted) throw new InterruptedError('Interrupted.', { taskId: options.taskId, cause: error });
      // Nothing can resume a part of a link that is gone.
      if (error instanceof LinkExpiredError) await run.part.discard();
      if (run.deadlineSignal.aborted || (isVeoError(error) && error.code === 'DOWNLOAD_DEADLINE')) {
        throw deadlineError(run);
      }
      if (!(error instanceof DownloadError) || !error.retryable) throw error;
      lastError = error;
    }
    resumed = true;
    // Progress starts the count again; an attempt that added (next to) nothing is one more failure in a row.
    failures = run.onDisk >= best + MIN_PROGRESS_BYTES ? 1 : failures + 1;
    best = Math.max(best, run.onDisk);
    if (failures >= policy.attempts) {
      lastError.message = addClause(
        lastError.message,
        `gave up after ${failures} attempts that added nothing to the part`,
      );
      throw lastError;
    }
    const delayMs = Math.min(retryDelay(Math.max(1, failures), policy), Math.max(0, run.deadline - Date.now()));
    options.onRetry?.({ attempt: failures, attempts: policy.attempts, delayMs, error: lastError });
    await sleep(delayMs, options.signal);
    if (Date.now() >= run.deadline) throw deadlineError(run);
  }
}

function restart(run: Run, why: string): void {
  run.restarts += 1;
  if (run.restarts > MAX_RESTARTS) {
    throw new DownloadError(`The download had to start over ${MAX_RESTARTS} times (${why}); giving up.`, {
      taskId: run.options.taskId,
      code: 'TOO_MANY_RESTARTS',
    });
  }
}

/** One request. Resolves with the saved video, or with why the answer could not be used. */
async function attempt(run: Run): Promise<Saved | string> {
  const { part, options } = run;
  const taskId = options.taskId;
  const found = await part.resumable();
  if (found.discarded) {
    options.onWarning?.(`A leftover ${part.path} of another video (or of unknown origin) was discarded.`);
  }
  let offset = found.offset;
  run.onDisk = offset;
  let response: Dispatcher.ResponseData;
  try {
    response = await get(run.url, requestHeaders(offset, found.validators), {
      timeoutMs: run.timeoutMs,
      signal: run.signal,
      taskId,
      apiOrigin: options.apiOrigin,
      onTrace: options.onTrace,
    });
  } catch (error) {
    if (run.signal.aborted || error instanceof InterruptedError || isPermanent(error)) throw error;
    throw new DownloadError((error as Error).message, { retryable: true, taskId, cause: error });
  }
  const answer: Answer = await readAnswer(response, offset, { taskId });
  if (answer.kind === 'complete') {
    // The host has nothing past the part: either the part is the whole video, or it is stale.
    if (offset > 0 && answer.total === offset && (await checkMp4File(part.path).catch(() => undefined))?.ok) {
      const hash = createHash('sha256');
      await part.hashInto(hash);
      return { bytes: offset, sha256: hash.digest('hex'), resumed: true };
    }
    restart(run, 'the host refused the range of the part');
    await part.discard();
    run.onDisk = 0;
    return 'refused the range of a part that is not the whole video';
  }
  if (answer.kind === 'wrong-range') {
    const asked = offset > 0 ? `bytes=${offset}-` : 'the whole file';
    if (offset > 0) {
      restart(run, `the host answered ${answer.got} for ${asked}`);
      await part.discard();
      run.onDisk = 0;
    }
    return `answered with a range that was not asked for (${answer.got} for ${asked})`;
  }
  const before = found.validators?.etag;
  const changed =
    (found.total !== undefined && answer.total !== found.total) ||
    (before !== undefined && answer.validators.etag !== undefined && answer.validators.etag !== before);
  if (answer.kind === 'append' && changed) {
    // A host that honours Range but not If-Range: the range is of another version of the video.
    discard(response.body);
    restart(run, 'the video changed on the host');
    await part.discard();
    run.onDisk = 0;
    return 'sent a range of another version of the video';
  }
  if (answer.kind === 'fresh' && offset > 0) {
    try {
      restart(run, 'the host ignored the resume request');
    } catch (error) {
      discard(response.body);
      throw error;
    }
    options.onWarning?.(
      found.validators?.etag || found.validators?.lastModified
        ? 'The video changed on the file host since the part was saved, or the host ignored the resume request; downloading from the start.'
        : 'The file host ignored the resume request; downloading from the start.',
    );
    offset = 0;
  }
  return receive(run, response, answer, offset);
}

function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
