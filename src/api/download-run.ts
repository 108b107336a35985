// What a download is asked to do and what it answers, the bounds it keeps to, and the state one run carries
// through its attempts: shared by saving to a file (download.ts) and streaming to stdout (download-stdout.ts).
import { DownloadError } from '../core/errors.js';
import type { PartFile } from './download-part.js';
import type { ClipTags } from './mp4-tags.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

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
  onRetry?: (info: { attempt: number; attempts: number; delayMs: number; error: Error }) => void;
  onWarning?: (message: string) => void;
  /** Each request to the file host, for --verbose; the URL's secret parameters are hidden. */
  onTrace?: (line: string) => void;
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
  /** Tags to write into the MP4 before it gets its final name (the media itself is copied byte for byte). */
  embed?: ClipTags;
}

/** What became of the tags asked for: the file as saved, or why the video was saved as served instead. */
export type Embedding = { embedded: true; bytes: number; sha256: string } | { embedded: false; problem: string };

export interface DownloadResult {
  url: string;
  path: string;
  bytes: number;
  sha256: string;
  resumed: boolean;
  /** Another veo saved this very video there while this one waited for it: nothing was downloaded. */
  alreadySaved?: boolean;
  /** Set when tags were asked for; `bytes` and `sha256` above stay those of the video as served. */
  embedding?: Embedding;
}

/** Far beyond any clip the service makes (tens of MB), yet a bound: an endless body never fills the disk. */
export const MAX_VIDEO_BYTES = 4 * 1024 ** 3;
/** Times a part may be thrown away and the download started over. */
export const MAX_RESTARTS = 3;
/** An attempt counts as progress only when it adds this much to what is safely on disk (or finishes). */
export const MIN_PROGRESS_BYTES = 64 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEADLINE_IN_TIMEOUTS = 60;

export interface Run {
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

export interface Saved {
  bytes: number;
  sha256: string;
  resumed: boolean;
}

export function deadlineError(run: { options: DownloadOptions; deadline: number; started: number }): DownloadError {
  const seconds = Math.round((run.deadline - run.started) / 1000);
  return new DownloadError(
    `The download did not finish within its overall deadline (${seconds}s); what was received is kept for the next run.`,
    { taskId: run.options.taskId, code: 'DOWNLOAD_DEADLINE' },
  );
}

export function policyOf(options: DownloadOptions): RetryPolicy {
  const baseMs = options.retryBaseMs ?? DEFAULT_RETRY_POLICY.baseMs;
  const maxMs = options.retryBaseMs === undefined ? DEFAULT_RETRY_POLICY.maxMs : Math.max(baseMs * 8, 1);
  return { ...DEFAULT_RETRY_POLICY, baseMs, maxMs, attempts: options.attempts ?? DEFAULT_RETRY_POLICY.attempts };
}
