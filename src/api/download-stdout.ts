// `-o -`: a video streamed to stdout. There is no part to resume and nothing to move into place, but the same
// bounds (stall window, deadline, size limit) and the same MP4 check apply, made on the bytes as they pass.
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { discard, get, header, readAnswer, requestHeaders, type Answer } from './download-fetch.js';
import { bodyLimit, pump, SinkFailure } from './download-pump.js';
import {
  DEADLINE_IN_TIMEOUTS,
  deadlineError,
  DEFAULT_TIMEOUT_MS,
  MAX_VIDEO_BYTES,
  type DownloadOptions,
  type DownloadResult,
} from './download-run.js';
import { deadlineAt } from './deadline.js';
import { DownloadError, InterruptedError, isVeoError } from '../core/errors.js';
import { localFileError } from './local-files.js';
import { Mp4StreamCheck } from './mp4-boxes.js';
import { parseVideoUrl } from './origin.js';

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
      onTrace: options.onTrace,
    });
  } catch (error) {
    if (!options.signal?.aborted && deadlineSignal.aborted) throw deadlineError(run);
    throw error;
  }
  const { answer, bound } = boundOf(
    response,
    await readAnswer(response, 0, { taskId }),
    options.maxBytes ?? MAX_VIDEO_BYTES,
    taskId,
  );
  const mp4 = new Mp4StreamCheck();
  let received = 0;
  const hash = createHash('sha256');
  try {
    received = await pump({
      body: response.body,
      sink: options.sink,
      hash,
      ...bound,
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

/** The answer must be the whole video from byte 0, and its announced size within the cap; else nothing is read. */
function boundOf(
  response: Dispatcher.ResponseData,
  answer: Answer,
  cap: number,
  taskId: string | undefined,
): { answer: Extract<Answer, { kind: 'append' | 'fresh' }>; bound: { limit: number; announced: boolean } } {
  if (answer.kind !== 'fresh' && !(answer.kind === 'append' && answer.start === 0)) {
    throw new DownloadError(
      answer.kind === 'wrong-range'
        ? `The file host answered a range that was not asked for (${answer.got}).`
        : 'The file host refused to send the video (HTTP 416).',
      { taskId },
    );
  }
  try {
    return { answer, bound: bodyLimit({ start: 0, length: answer.length, total: answer.total, cap, taskId }) };
  } catch (error) {
    discard(response.body);
    throw error;
  }
}
