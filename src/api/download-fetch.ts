import type { Dispatcher } from 'undici';
import { DownloadError, LinkExpiredError } from '../core/errors.js';
import { describeNetworkError, dispatcherFor, loadUndici, readText } from './http.js';
import { parseVideoUrl } from './origin.js';

/** The fetching side of a download: one GET (redirects followed by hand), and what its answer means. */

const MAX_REDIRECTS = 5;

export type Body = Dispatcher.ResponseData['body'];

export function header(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Drops a body we will not read; undici reports the abort as an error event, which nobody needs to hear. */
export function discard(body: Body): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** What the host said identifies this version of the file; sent back in If-Range when resuming. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export interface FetchOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  taskId?: string;
  /** The API origin the link came from: a video is fetched from a local address only when the API is local too. */
  apiOrigin?: string;
  /** One line per request and per hop (method, URL with its secrets hidden, status, size, time), for --verbose. */
  onTrace?: (line: string) => void;
}

/** Query parameters that grant access (a presigned link's signature, credential or token) are never traced. */
const SECRET_PARAM = /signature|credential|token|secret|password|auth|^sig$|key/i;

/** The URL as a trace may show it: a presigned link keeps its expiry and date, not what lets anyone fetch it. */
export function traceableUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  for (const name of new Set(shown.searchParams.keys())) {
    if (SECRET_PARAM.test(name)) shown.searchParams.set(name, 'REDACTED');
  }
  return shown.href;
}

function sizeOf(response: Dispatcher.ResponseData): string {
  const total = /\/(\d+)$/.exec(header(response, 'content-range') ?? '')?.[1];
  const length = header(response, 'content-length');
  if (length && total) return ` ${length} of ${total} bytes`;
  return length ? ` ${length} bytes` : '';
}

/** Follows redirects by hand: no credentials are ever attached, and the hop count is bounded. */
export async function get(
  url: URL,
  headers: Record<string, string>,
  options: FetchOptions,
): Promise<Dispatcher.ResponseData> {
  const { request } = await loadUndici();
  let current = url;
  const range = headers.range ? ` (${headers.range})` : '';
  for (let hop = 0; ; hop++) {
    let response: Dispatcher.ResponseData;
    const sent = Date.now();
    const trace = (outcome: string) =>
      options.onTrace?.(`GET ${traceableUrl(current)}${range} ${outcome} ${Date.now() - sent}ms`);
    try {
      response = await request(current, {
        method: 'GET',
        headers,
        dispatcher: await dispatcherFor(current, options.timeoutMs, { apiOrigin: options.apiOrigin }),
        signal: options.signal,
      });
    } catch (error) {
      const described = describeNetworkError(error, current, options.signal);
      trace(described.message);
      throw described;
    }
    const location = header(response, 'location');
    if (response.statusCode >= 300 && response.statusCode < 400 && location && hop < MAX_REDIRECTS) {
      discard(response.body);
      const next = new URL(location, current);
      trace(`${response.statusCode} redirect to ${traceableUrl(next)}`);
      current = parseVideoUrl(next.href);
      continue;
    }
    trace(`${response.statusCode}${sizeOf(response)}`);
    return response;
  }
}

/** The request for the bytes from `offset` on, tied to the version of the file the part came from. */
export function requestHeaders(offset: number, validators: Validators | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept: 'video/mp4,*/*', 'user-agent': 'veo' };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    // A weak ETag may not be used in If-Range (RFC 9110 13.1.5); the date then stands in for it.
    const etag = validators?.etag && !validators.etag.startsWith('W/') ? validators.etag : undefined;
    const ifRange = etag ?? validators?.lastModified;
    if (ifRange) headers['if-range'] = ifRange;
  }
  return headers;
}

/**
 * An answer read for what it means to the part on disk. `append`: the bytes continue it at `start`; `fresh`: a
 * whole body, the part starts over; `complete`: 416, the host says there is nothing past `offset`;
 * `wrong-range`: a range that was not asked for. `total` is the size of the whole file where it was told,
 * `length` the length of this body where it was told.
 */
export type Answer =
  | { kind: 'append' | 'fresh'; start: number; total?: number; length?: number; validators: Validators }
  | { kind: 'complete'; total?: number }
  | { kind: 'wrong-range'; got: string };

function count(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

/** Reads the status and headers; throws the errors that end or retry an attempt. The body is left unread. */
export async function readAnswer(
  response: Dispatcher.ResponseData,
  offset: number,
  options: { taskId?: string },
): Promise<Answer> {
  const status = response.statusCode;
  const { taskId } = options;
  if (status === 403 || status === 404 || status === 410) {
    discard(response.body);
    throw new LinkExpiredError(status, { taskId });
  }
  if (status === 416) {
    discard(response.body);
    return { kind: 'complete', total: count(/\/(\d+)$/.exec(header(response, 'content-range') ?? '')?.[1]) };
  }
  if (status >= 500 || status === 429) {
    const text = await readText(response.body, 64 * 1024).catch(() => '');
    throw new DownloadError(`The file host failed with HTTP ${status}${text ? '' : ' (empty body)'}.`, {
      retryable: true,
      taskId,
    });
  }
  if (status !== 200 && status !== 206) {
    discard(response.body);
    throw new DownloadError(`The file host answered HTTP ${status}.`, { taskId });
  }
  const validators: Validators = {};
  const etag = header(response, 'etag');
  const lastModified = header(response, 'last-modified');
  if (etag) validators.etag = etag;
  if (lastModified) validators.lastModified = lastModified;
  const length = count(header(response, 'content-length'));
  if (status === 200) return { kind: 'fresh', start: 0, total: length, length, validators };
  const contentRange = header(response, 'content-range') ?? '';
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange);
  const first = Number(range?.[1]);
  const last = Number(range?.[2]);
  if (!range || first !== offset || last < first) {
    discard(response.body);
    return { kind: 'wrong-range', got: contentRange || 'no Content-Range' };
  }
  const total = range[3] === '*' ? undefined : Number(range[3]);
  if (total !== undefined && last >= total) {
    discard(response.body);
    return { kind: 'wrong-range', got: contentRange };
  }
  return { kind: 'append', start: first, total, length: last - first + 1, validators };
}
