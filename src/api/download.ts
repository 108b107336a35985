import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { claimTarget, type ClaimOwner } from './download-claim.js';
import { discard, get, header, readAnswer, requestHeaders, type Answer } from './download-fetch.js';
import { identityOf, PartFile, sameVideo, type PartIdentity } from './download-part.js';
import { pump, SinkFailure } from './download-pump.js';
import { DownloadError, InterruptedError, isVeoError, LinkExpiredError } from '../core/errors.js';
import { deadlineAt } from './deadline.js';
import { describeNetworkError, isPermanent } from './http.js';
import { checkTarget, errnoOf, localFileError, makeFolder } from './local-files.js';
import { checkMp4File, Mp4StreamCheck } from './mp4-boxes.js';
import { parseVideoUrl } from './origin.js';
import { DEFAULT_RETRY_POLICY, retryDelay, sleep, type RetryPolicy } from './retry.js';

export interface DownloadProgress {
  received: number;
  total: number | undefined;
  resumedFrom: number;
  elapsedMs: number;
}

export interface DownloadOptions {
  url: string;
  /** The final path; the bytes go to `<path>.part` until they are verified. */
  path: string;
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void;
  onWarning?: (message: string) => void;
  /** The connect and headers timeout, and the stall window of the body. */
  timeoutMs?: number;
  /** Attempts in a row that may fail without adding to what is safely on disk. */
  attempts?: number;
  retryBaseMs?: number;
  taskId?: string;
  /** The most bytes a video may have; a longer body is cut and reported. */
  maxBytes?: number;
  /** The API origin the link came from: a video is fetched from a local address only when the API is local too. */
  apiOrigin?: string;
  /** How long the whole download may take, waits for another veo included. Default: 60 request timeouts. */
  deadlineMs?: number;
  /**
   * Called once the file is in place, while the target is still claimed: what is recorded here (the journal) is
   * there before any other veo may look at the target.
   */
  onSaved?: (result: DownloadResult) => Promise<void>;
}

export interface DownloadResult {
  url: string;
  path: string;
  bytes: number;
  sha256: string;
  resumed: boolean;
  /** Another veo saved this very video there while this one waited for it: nothing was downloaded. */
  alreadySaved?: boolean;
}

/** Far beyond any clip the service makes (tens of MB), yet a bound: an endless body never fills the disk. */
export const MAX_VIDEO_BYTES = 4 * 1024 ** 3;
/** Times a part may be thrown away and the download started over. */
const MAX_RESTARTS = 3;
/** An attempt counts as progress only when it adds this much to what is safely on disk (or finishes). */
const MIN_PROGRESS_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEADLINE_IN_TIMEOUTS = 60;

interface Run {
  url: URL;
  part: PartFile;
  options: DownloadOptions;
  timeoutMs: number;
  maxBytes: number;
  started: number;
  deadline: number;
  deadlineSignal: AbortSignal;
  signal: AbortSignal;
  restarts: number;
  /** Bytes of the part on disk after the latest attempt. */
  onDisk: number;
}

interface Saved {
  bytes: number;
  sha256: string;
  resumed: boolean;
}

function deadlineError(run: { options: DownloadOptions; deadline: number; started: number }): DownloadError {
  const seconds = Math.round((run.deadline - run.started) / 1000);
  return new DownloadError(
    `The download did not finish within its overall deadline (${seconds}s); what was received is kept for the next run.`,
    { taskId: run.options.taskId, code: 'DOWNLOAD_DEADLINE' },
  );
}

function policyOf(options: DownloadOptions): RetryPolicy {
  const baseMs = options.retryBaseMs ?? DEFAULT_RETRY_POLICY.baseMs;
  const maxMs = options.retryBaseMs === undefined ? DEFAULT_RETRY_POLICY.maxMs : Math.max(baseMs * 8, 1);
  return { ...DEFAULT_RETRY_POLICY, baseMs, maxMs, attempts: options.attempts ?? DEFAULT_RETRY_POLICY.attempts };
}

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
    await run.part.moveIntoPlace(force);
    const result = { url: url.href, path, ...saved };
    await options.onSaved?.(result);
    return result;
  } finally {
    disposeDeadline();
    await claim.release();
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
      lastError.message += ` (gave up after ${failures} attempts that added nothing to the part)`;
      throw lastError;
    }
    const delayMs = Math.min(retryDelay(Math.max(1, failures), policy), Math.max(0, run.deadline - Date.now()));
    options.onRetry?.({ attempt: failures, delayMs, error: lastError });
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

async function receive(
  run: Run,
  response: Dispatcher.ResponseData,
  answer: Extract<Answer, { kind: 'append' | 'fresh' }>,
  start: number,
): Promise<Saved> {
  const { part, options } = run;
  const taskId = options.taskId;
  let handle;
  try {
    await part.describe(answer.validators, answer.total);
    handle = await part.openAt(start);
  } catch (error) {
    discard(response.body);
    throw error;
  }
  run.onDisk = start;
  const hash = createHash('sha256');
  // Measured: a 1 MiB buffer means fewer, larger writes, about 13% faster than the 16 KiB default on 512 MiB.
  const sink = handle.createWriteStream({ highWaterMark: 1 << 20 });
  let received = 0;
  try {
    if (start > 0) await part.hashInto(hash);
    received = await pump({
      body: response.body,
      sink,
      hash,
      limit: answer.length ?? run.maxBytes - start,
      announced: answer.length !== undefined,
      windowMs: run.timeoutMs,
      deadline: run.deadline,
      checkHead: start === 0,
      contentType: header(response, 'content-type') ?? '',
      contentLength: header(response, 'content-length'),
      taskId,
      onBytes: (count) => {
        run.onDisk = start + count;
        options.onProgress?.({
          received: start + count,
          total: answer.total,
          resumedFrom: start,
          elapsedMs: Date.now() - run.started,
        });
      },
      onWarning: options.onWarning,
    });
    sink.end();
    await finished(sink);
  } catch (error) {
    sink.destroy();
    await finished(sink).catch(() => undefined);
    run.onDisk = await lstat(part.path).then(
      (info) => info.size,
      () => 0,
    );
    throw await failedBody(run, error, start + received);
  }
  const size = start + received;
  const expected = answer.total ?? (answer.length === undefined ? undefined : start + answer.length);
  if (expected !== undefined && size !== expected) {
    throw new DownloadError(`The download ended after ${size} of ${expected} bytes.`, {
      retryable: true,
      taskId,
      code: 'TRUNCATED',
    });
  }
  const verdict = await checkMp4File(part.path).catch((error: unknown) => {
    throw localFileError(error, part.path, taskId);
  });
  if (!verdict.ok) {
    if (verdict.truncated && expected === undefined) {
      throw new DownloadError(
        `The download ended after ${size} bytes, before the end of the video: ${verdict.problem}.`,
        {
          retryable: true,
          taskId,
          code: 'TRUNCATED',
        },
      );
    }
    await part.discard();
    throw new DownloadError(`The downloaded file is not a complete MP4 video: ${verdict.problem}.`, {
      taskId,
      code: verdict.truncated ? 'INCOMPLETE_VIDEO' : 'NOT_A_VIDEO',
    });
  }
  return { bytes: size, sha256: hash.digest('hex'), resumed: start > 0 };
}

/** What a failure while the body streamed means: the user's, the disk's, the host's, or the network's. */
async function failedBody(run: Run, error: unknown, received: number): Promise<Error> {
  const { options, part } = run;
  const taskId = options.taskId;
  if (options.signal?.aborted) return new InterruptedError('Interrupted.', { taskId, cause: error });
  if (run.deadlineSignal.aborted) return deadlineError(run);
  if (error instanceof SinkFailure) return localFileError(error.failure, part.path, taskId);
  if (error instanceof DownloadError) {
    if (error.code === 'NOT_A_VIDEO' || error.code === 'TOO_LONG') await part.discard();
    return error;
  }
  if (isVeoError(error)) return error;
  const code = errnoOf(error);
  // An fs error from hashing the part back (it vanished with its folder, say) is local; a socket's is not.
  if (code && /^E[A-Z]+$/.test(code) && (error as NodeJS.ErrnoException).syscall !== 'read' && code !== 'ECONNRESET') {
    return localFileError(error, part.path, taskId);
  }
  const described = describeNetworkError(error, run.url, options.signal);
  return new DownloadError(`The download broke off after ${received} bytes: ${described.message}`, {
    retryable: true,
    taskId,
    cause: error,
  });
}

/** Streams a video to stdout (`-o -`): no part and no resume, but the same bounds and the same checks. */
export async function streamVideo(
  options: Omit<DownloadOptions, 'path' | 'force'> & { sink: NodeJS.WritableStream },
): Promise<Omit<DownloadResult, 'path' | 'resumed'>> {
  const url = parseVideoUrl(options.url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const deadline = started + (options.deadlineMs ?? timeoutMs * DEADLINE_IN_TIMEOUTS);
  const expiry = deadlineAt(deadline);
  try {
    return await stream(url, options, { timeoutMs, started, deadline, deadlineSignal: expiry.signal });
  } finally {
    expiry.dispose();
  }
}

async function stream(
  url: URL,
  options: Omit<DownloadOptions, 'path' | 'force'> & { sink: NodeJS.WritableStream },
  bounds: { timeoutMs: number; started: number; deadline: number; deadlineSignal: AbortSignal },
): Promise<Omit<DownloadResult, 'path' | 'resumed'>> {
  const { timeoutMs, started, deadline, deadlineSignal } = bounds;
  const taskId = options.taskId;
  const signal = options.signal ? AbortSignal.any([options.signal, deadlineSignal]) : deadlineSignal;
  const run = { options: { ...options, path: '-' }, deadline, started };
  let response: Dispatcher.ResponseData;
  try {
    response = await get(url, requestHeaders(0, undefined), {
      timeoutMs,
      signal,
      taskId,
      apiOrigin: options.apiOrigin,
    });
  } catch (error) {
    if (!options.signal?.aborted && deadlineSignal.aborted) throw deadlineError(run);
    throw error;
  }
  const answer = await readAnswer(response, 0, { taskId });
  if (answer.kind !== 'fresh' && !(answer.kind === 'append' && answer.start === 0)) {
    throw new DownloadError(
      answer.kind === 'wrong-range'
        ? `The file host answered a range that was not asked for (${answer.got}).`
        : 'The file host refused to send the video (HTTP 416).',
      { taskId },
    );
  }
  const mp4 = new Mp4StreamCheck();
  let received = 0;
  const hash = createHash('sha256');
  try {
    received = await pump({
      body: response.body,
      sink: options.sink,
      hash,
      limit: answer.length ?? options.maxBytes ?? MAX_VIDEO_BYTES,
      announced: answer.length !== undefined,
      windowMs: timeoutMs,
      deadline,
      checkHead: true,
      contentType: header(response, 'content-type') ?? '',
      contentLength: header(response, 'content-length'),
      mp4,
      taskId,
      onBytes: (count) => {
        received = count;
        options.onProgress?.({ received: count, total: answer.total, resumedFrom: 0, elapsedMs: Date.now() - started });
      },
      onWarning: options.onWarning,
    });
  } catch (error) {
    if (options.signal?.aborted) throw new InterruptedError('Interrupted.', { taskId, cause: error });
    if (deadlineSignal.aborted) throw deadlineError(run);
    if (error instanceof SinkFailure) throw localFileError(error.failure, 'stdout', taskId);
    if (isVeoError(error)) throw error;
    throw new DownloadError(`The download broke off after ${received} bytes.`, { taskId, cause: error });
  }
  if (answer.total !== undefined && received !== answer.total) {
    throw new DownloadError(`The download ended after ${received} of ${answer.total} bytes.`, {
      taskId,
      code: 'TRUNCATED',
    });
  }
  const verdict = await mp4.verdict();
  if (!verdict.ok) {
    throw new DownloadError(`What was written to stdout is not a complete MP4 video: ${verdict.problem}.`, {
      taskId,
      code: verdict.truncated ? 'TRUNCATED' : 'NOT_A_VIDEO',
    });
  }
  return { url: url.href, bytes: received, sha256: hash.digest('hex') };
}
