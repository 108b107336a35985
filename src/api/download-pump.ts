import type { Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Body } from './download-fetch.js';
import { deadlineAt, MAX_TIMER_MS } from './deadline.js';
import { DownloadError, NotVideoResultError } from '../core/errors.js';
import { describeBody } from './http.js';
import type { Mp4StreamCheck } from './mp4-boxes.js';

/**
 * The one body pump, shared by the file and the stdout paths: it moves a response body into a sink with
 * backpressure, hashing as it goes, and enforces the bounds a body must keep: a length (what the host announced,
 * else a cap for a clip), a minimum rate over the stall window, and the download's overall deadline.
 */

/** Slower than this over a whole stall window, a body is stalled: a drip must not keep a download alive. */
export const MIN_BYTES_PER_SECOND = 4096;

export interface PumpOptions {
  body: Body;
  sink: NodeJS.WritableStream;
  hash: Hash;
  /** The most bytes this body may carry. */
  limit: number;
  /** Whether `limit` is what the host announced (else it is the cap for a clip). */
  announced: boolean;
  windowMs: number;
  /** Epoch ms. */
  deadline: number;
  /** For a body that starts the file: its first bytes must be an MP4's `ftyp` box. */
  checkHead: boolean;
  contentType: string;
  /** The Content-Length header as sent, to describe a body that is not a video. */
  contentLength?: string;
  mp4?: Mp4StreamCheck;
  taskId?: string;
  onBytes?: (received: number) => void;
  onWarning?: (message: string) => void;
}

function looksLikeMp4(head: Buffer): boolean {
  return head.length >= 8 && head.toString('latin1', 4, 8) === 'ftyp';
}

/** The sink (the part file, or stdout) failed: a local problem, told apart from a body that broke off. */
export class SinkFailure extends Error {
  constructor(readonly failure: unknown) {
    super((failure as Error | undefined)?.message ?? String(failure), { cause: failure });
  }
}

/**
 * The body is described (its type and stated size), never echoed: it may come from anywhere. An image or a sound
 * is what the task made (a model that does not make video); anything else may be an error page of the host.
 */
export function notAVideo(
  contentType: string,
  length: string | undefined,
  taskId?: string,
): DownloadError | NotVideoResultError {
  const media = /^\s*((?:image|audio)\/[a-z0-9.+-]{1,40})\s*(;|$)/i.exec(contentType)?.[1];
  if (media) {
    return new NotVideoResultError(
      `The task's result is not a video: the file host sent ${describeBody(contentType, length)}.`,
      media.toLowerCase(),
      { taskId },
    );
  }
  return new DownloadError(`The file host did not send a video: ${describeBody(contentType, length)}.`, {
    taskId,
    code: 'NOT_A_VIDEO',
  });
}

/**
 * The first 8 bytes seen so far, until they are enough to tell an MP4 from an error page; undefined once told.
 * A mislabelled video is only warned about: hosts label files carelessly, and the bytes are what count.
 */
function sniffHead(head: Buffer | undefined, chunk: Buffer, options: PumpOptions): Buffer | undefined {
  if (head === undefined) return undefined;
  const seen = Buffer.concat([head, chunk.subarray(0, 8)]);
  if (seen.length < 8) return seen;
  if (!looksLikeMp4(seen)) throw notAVideo(options.contentType, options.contentLength, options.taskId);
  if (!/^(video\/|application\/octet-stream|binary\/octet-stream)/i.test(options.contentType)) {
    options.onWarning?.(
      `The file host labelled the video as "${options.contentType || 'nothing'}"; its content is an MP4.`,
    );
  }
  return undefined;
}

/**
 * The bound for one body: what the host announced, never more than the cap for a clip (VEO_MAX_VIDEO_BYTES).
 * An announcement already over the cap is refused before a byte is read: the answer says the video is too big.
 */
export function bodyLimit(body: { start: number; length?: number; total?: number; cap: number; taskId?: string }): {
  limit: number;
  announced: boolean;
} {
  const { start, length, cap } = body;
  const whole = body.total ?? (length === undefined ? undefined : start + length);
  if (whole !== undefined && whole > cap) {
    throw new DownloadError(
      `The file host announced a video of ${whole} bytes, more than the limit of ${cap} bytes; nothing was downloaded.`,
      {
        taskId: body.taskId,
        code: 'TOO_LONG',
        hint: `The limit is VEO_MAX_VIDEO_BYTES; raise it if a video this large is expected.`,
      },
    );
  }
  const room = Math.max(0, cap - start);
  return length !== undefined && length <= room
    ? { limit: length, announced: true }
    : { limit: room, announced: false };
}

function tooLong(options: PumpOptions): DownloadError {
  return new DownloadError(
    options.announced
      ? `The file host sent more than the ${options.limit} bytes it announced; the download was cut there.`
      : `The file host sent more than ${options.limit} bytes, far more than a video clip; the download was cut there.`,
    { taskId: options.taskId, code: 'TOO_LONG' },
  );
}

/** Resolves with the number of bytes moved once the body ended; rejects with the first thing that went wrong. */
export async function pump(options: PumpOptions): Promise<number> {
  const { body, sink, hash } = options;
  const emitter = sink as unknown as NodeJS.EventEmitter;
  let received = 0;
  let inWindow = 0;
  let draining = false;
  let writeError: Error | undefined;
  const onSinkError = (error: Error) => (writeError ??= error);
  emitter.on('error', onSinkError);
  let stopped: DownloadError | undefined;
  const drainWait = new AbortController();
  const stop = (error: DownloadError) => {
    stopped ??= error;
    drainWait.abort();
    body.on('error', () => undefined);
    body.destroy(error);
  };
  const windowMs = Math.min(options.windowMs, MAX_TIMER_MS);
  const minBytes = Math.max(1, Math.floor((MIN_BYTES_PER_SECOND * windowMs) / 1000));
  const window = setInterval(() => {
    // Time spent waiting for the disk (or a slow reader of stdout) is not the host's fault.
    if (!draining && inWindow < minBytes) {
      stop(
        new DownloadError(
          `The file host sent ${inWindow} bytes in ${windowMs / 1000}s, slower than the minimum of ${minBytes}; the download stalled.`,
          { taskId: options.taskId, retryable: true, code: 'STALLED' },
        ),
      );
    }
    inWindow = 0;
  }, windowMs);
  const deadline = deadlineAt(options.deadline);
  deadline.signal.addEventListener('abort', () =>
    stop(
      new DownloadError('The download ran past its overall deadline.', {
        taskId: options.taskId,
        code: 'DOWNLOAD_DEADLINE',
      }),
    ),
  );
  let head: Buffer | undefined = options.checkHead ? Buffer.alloc(0) : undefined;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      head = sniffHead(head, chunk, options);
      if (received + chunk.length > options.limit) throw tooLong(options);
      if (writeError) throw new SinkFailure(writeError);
      hash.update(chunk);
      options.mp4?.feed(chunk);
      received += chunk.length;
      inWindow += chunk.length;
      try {
        if (!sink.write(chunk)) {
          draining = true;
          await once(emitter, 'drain', { signal: drainWait.signal });
          draining = false;
        }
      } catch (error) {
        throw stopped ?? new SinkFailure(error);
      }
      options.onBytes?.(received);
    }
    if (head !== undefined && head.length > 0 && !looksLikeMp4(head)) {
      throw notAVideo(options.contentType, options.contentLength, options.taskId);
    }
    if (writeError) throw new SinkFailure(writeError);
    return received;
  } catch (error) {
    discardQuietly(body);
    throw stopped ?? error;
  } finally {
    clearInterval(window);
    deadline.dispose();
    emitter.off('error', onSinkError);
  }
}

function discardQuietly(body: Body): void {
  body.on('error', () => undefined);
  if (!body.destroyed) body.destroy();
}
