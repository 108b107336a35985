import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ByteSource } from './video.js';

/** The part of a request the route handlers look at, already read in full. */
export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

/** A byte range of a source, streamed with backpressure instead of being built in memory. */
export interface StreamedBody {
  source: ByteSource;
  start: number;
  /** Exclusive. */
  end: number;
}

/** What a handler wants sent; the server decides how (and whether) it goes out. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | StreamedBody;
  /** HEAD: every header (Content-Length included) but no body. */
  headOnly?: boolean;
}

/** How a reply's body is cut short by a file-host fault. */
export interface Truncation {
  afterBytes: number;
  then: 'close' | 'stall';
}

/** Bodies of the JSON API are small; past this the rest is read and thrown away rather than held. */
const BODY_LIMIT = 4 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let kept = 0;
    req.on('data', (chunk: Buffer) => {
      if (kept >= BODY_LIMIT) return;
      parts.push(chunk);
      kept += chunk.length;
    });
    const finish = () => resolve(Buffer.concat(parts).toString('utf8'));
    req.on('end', finish);
    // An aborted upload still counts as whatever arrived, so the recording shows it.
    req.on('close', finish);
    req.on('error', finish);
  });
}

export function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export function splitUrl(rawUrl: string | undefined): { path: string; query: Record<string, string> } {
  const url = new URL(rawUrl ?? '/', 'http://sim.invalid');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape is kept as sent: it will simply match no route.
  }
  return { path, query };
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

/** Resolves once the socket takes more (or is gone): a slow reader holds the writer back rather than fill memory. */
export function waitWritable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function* bodyChunks(body: string | StreamedBody): Iterable<Buffer> {
  if (typeof body === 'string') {
    yield Buffer.from(body, 'utf8');
    return;
  }
  yield* body.source.chunks(body.start, body.end);
}

export function bodyLength(body: string | StreamedBody | undefined): number {
  if (body === undefined) return 0;
  return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.end - body.start;
}

/**
 * Sends a reply, writing the body chunk by chunk and waiting for 'drain' whenever the socket's buffer is
 * full, so that a 512 MiB body costs one 64 KiB chunk of memory. Resolves once everything is sent, the
 * client went away, or (truncated) the cut-off point was reached.
 */
export async function sendReply(res: ServerResponse, reply: Reply, truncation?: Truncation): Promise<void> {
  const headers: Record<string, string> = { ...reply.headers };
  const hasLength = Object.keys(headers).some((name) => name.toLowerCase() === 'content-length');
  if (!hasLength) headers['content-length'] = String(bodyLength(reply.body));
  res.writeHead(reply.status, headers);
  if (reply.headOnly || reply.body === undefined) {
    res.end();
    return;
  }
  const limit = truncation ? truncation.afterBytes : Infinity;
  let sent = 0;
  for (const chunk of bodyChunks(reply.body)) {
    if (res.destroyed) return;
    const piece = sent + chunk.length > limit ? chunk.subarray(0, limit - sent) : chunk;
    const roomLeft = piece.length === 0 || res.write(piece);
    sent += piece.length;
    if (sent >= limit) break;
    if (!roomLeft) await waitWritable(res);
  }
  if (!truncation) {
    res.end();
    return;
  }
  if (truncation.then === 'close') {
    // end() on the raw socket flushes what was written (headers included) before the FIN, unlike destroy().
    res.flushHeaders();
    const socket = res.socket;
    socket?.end(() => socket.destroy());
  }
  // 'stall': nothing more is ever written; close() of the simulator destroys the socket.
}
