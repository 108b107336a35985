import type { Reply, SimRequest } from './http-io.js';
import { expired, noSuchKey, requestId, s3Error } from './s3-errors.js';
import { finishesAt, isLinkExpired, statusAt, type StoredTask } from './tasks.js';
import type { Fault } from './types.js';
import { makesVideo } from './models.js';
import { htmlSource, imageSource, type ByteSource } from './video.js';

/** The real storage keeps results under this prefix; clients may log or parse it, so it is mirrored. */
export const RESULT_PREFIX = '/predication/';

export function resultPath(id: string): string {
  return `${RESULT_PREFIX}${id}_result.mp4`;
}

/** The size of the picture an image model's task leaves. */
const PICTURE_BYTES = 48 * 1024;

const RESULT_PATH = /^\/predication\/([0-9a-f]{24})_result\.mp4$/;

export interface FileHostContext {
  findTask(id: string): StoredTask | undefined;
  video(): ByteSource;
  linkTtlMs(): number;
  now(): number;
}

type Range = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * Reads a Range header the way S3 does: one range, `N-`, `N-M` or `-SUFFIX`. Anything else (several ranges,
 * nonsense) is ignored and the whole body served, which RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): Range {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size : Math.min(Number(last) + 1, size);
  return { start, end };
}

export function handleFileRequest(ctx: FileHostContext, req: SimRequest, fault: Fault | undefined): Reply {
  const head = req.method === 'HEAD';
  const resource = req.path;
  // S3 refuses an Authorization header it cannot verify: a client leaking the API key here fails loudly.
  if (req.headers.authorization !== undefined) {
    return s3Error(400, 'InvalidArgument', 'Unsupported Authorization Type', resource, head);
  }
  if (req.method !== 'GET' && !head) {
    return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', resource);
  }
  const id = RESULT_PATH.exec(req.path)?.[1];
  const task = id === undefined ? undefined : ctx.findTask(id);
  const now = ctx.now();
  if (!task || statusAt(task, now) !== 'done') return noSuchKey(resource, head);
  if (fault?.kind === 'expired' || isLinkExpired(task, ctx.linkTtlMs(), now)) return expired(resource, head);

  const video = ctx.video();
  // A task of a model that makes pictures (paid for all the same) leaves a picture, as on the real service.
  const picture = !makesVideo(task.model);
  const source = fault?.kind === 'not-mp4' ? htmlSource(video.size) : picture ? imageSource(PICTURE_BYTES) : video;
  const headers: Record<string, string> = {
    // not-mp4 keeps video/mp4 on purpose: only a check of the bytes themselves can catch it.
    'content-type': fault?.kind === 'wrong-type' ? 'text/html; charset=utf-8' : picture ? 'image/png' : 'video/mp4',
    'accept-ranges': 'bytes',
    etag: source.etag,
    'last-modified': new Date(finishesAt(task)).toUTCString(),
    'x-amz-request-id': requestId(),
  };
  if (fault?.kind === 'no-etag') delete headers.etag;

  // If-Range holds either validator the host gave: a range of another version of the file is never served.
  const ifRange = req.headers['if-range'];
  const validators = [headers.etag, headers['last-modified']].filter((value) => value !== undefined);
  const rangeIgnored = fault?.kind === 'ignore-range' || fault?.kind === 'drop-from-start';
  const rangeAllowed =
    !rangeIgnored && (ifRange === undefined || validators.includes(ifRange) || fault?.kind === 'ignore-if-range');
  const range = rangeAllowed ? parseRange(req.headers.range, source.size) : null;
  if (fault?.kind === 'wrong-range') {
    // A range nobody asked for: past what was asked, or anywhere but the start when nothing was.
    const asked = range && range !== 'unsatisfiable' ? range.start : 0;
    const start = Math.min(fault.start ?? asked + 1000, Math.max(0, source.size - 1));
    headers['content-range'] = `bytes ${start}-${source.size - 1}/${source.size}`;
    return { status: 206, headers, body: { source, start, end: source.size }, headOnly: head };
  }
  if (range === 'unsatisfiable') {
    const reply = s3Error(416, 'InvalidRange', 'The requested range is not satisfiable', resource, head);
    reply.headers = { ...reply.headers, 'content-range': `bytes */${source.size}` };
    return reply;
  }
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end - 1}/${source.size}`;
    return { status: 206, headers, body: { source, start: range.start, end: range.end }, headOnly: head };
  }
  return { status: 200, headers, body: { source, start: 0, end: source.size }, headOnly: head };
}
