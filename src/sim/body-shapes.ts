import type { ServerResponse } from 'node:http';
import { waitWritable, type Reply } from './http-io.js';

/**
 * Faults that change how a body travels rather than what it says: the framing (no Content-Length), the pace
 * (a drip), the length (a body that never ends), the range answered, or the validators sent along.
 */
export type BodyShapeFault =
  /** The body goes out chunked, without Content-Length; with `afterBytes` it ends cleanly there (file host). */
  | { kind: 'no-length'; afterBytes?: number }
  /** The body goes out `bytes` at a time, one piece every `everyMs`, under the real headers (any route). */
  | { kind: 'drip'; bytes: number; everyMs: number }
  /** File host: no Content-Length, and the body runs on past the video's end (or the range asked for) for ever. */
  | { kind: 'endless' }
  /** File host: a 206 for the range starting at `start` (default: 1000 bytes past what was asked), whatever was asked. */
  | { kind: 'wrong-range'; start?: number }
  /** File host: the answer carries no ETag, only Last-Modified. */
  | { kind: 'no-etag' }
  /** File host: Range ignored (200 with the whole body), and the connection closed after `afterBytes`. */
  | { kind: 'drop-from-start'; afterBytes: number }
  /** File host: If-Range ignored, a Range honoured whatever version of the file it was asked for. */
  | { kind: 'ignore-if-range' };

export type BodyShapeKind = BodyShapeFault['kind'];

export const BODY_SHAPE_KINDS: ReadonlySet<string> = new Set<BodyShapeKind>([
  'no-length',
  'drip',
  'endless',
  'wrong-range',
  'no-etag',
  'drop-from-start',
  'ignore-if-range',
]);

/** The kinds that make no sense away from a video body. */
export const FILE_ONLY_SHAPES: readonly BodyShapeKind[] = [
  'no-length',
  'endless',
  'wrong-range',
  'no-etag',
  'drop-from-start',
  'ignore-if-range',
];

function count(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`veo-sim fault: ${field} must be a whole number from ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A clean copy of a body-shape fault read from JSON; undefined when `raw.kind` is not one. */
export function parseBodyShape(raw: Record<string, unknown>): BodyShapeFault | undefined {
  switch (raw.kind) {
    case 'no-length':
      return raw.afterBytes === undefined
        ? { kind: 'no-length' }
        : { kind: 'no-length', afterBytes: count('afterBytes', raw.afterBytes, 0) };
    case 'drip':
      return { kind: 'drip', bytes: count('bytes', raw.bytes, 1), everyMs: count('everyMs', raw.everyMs, 1) };
    case 'endless':
      return { kind: 'endless' };
    case 'wrong-range':
      return raw.start === undefined
        ? { kind: 'wrong-range' }
        : { kind: 'wrong-range', start: count('start', raw.start, 0) };
    case 'no-etag':
      return { kind: 'no-etag' };
    case 'ignore-if-range':
      return { kind: 'ignore-if-range' };
    case 'drop-from-start':
      return { kind: 'drop-from-start', afterBytes: count('afterBytes', raw.afterBytes, 0) };
    default:
      return undefined;
  }
}

/** The kinds the server sends itself through `sendShaped`; the others only change the reply the file host builds. */
export function isSentShaped(fault: { kind: string } | undefined): fault is BodyShapeFault {
  return (
    fault?.kind === 'no-length' ||
    fault?.kind === 'drip' ||
    fault?.kind === 'endless' ||
    fault?.kind === 'drop-from-start'
  );
}

export interface ShapeTools {
  /** A delay that the simulator's close() cuts short. */
  sleep(ms: number): Promise<void>;
  closed(): boolean;
}

function* replyChunks(reply: Reply): Iterable<Buffer> {
  const body = reply.body;
  if (body === undefined) return;
  if (typeof body === 'string') yield Buffer.from(body, 'utf8');
  else yield* body.source.chunks(body.start, body.end);
}

async function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(chunk)) await waitWritable(res);
  return !res.destroyed;
}

/** Sends `reply` with its body shaped by `fault`. Resolves once done, or once the client went away. */
export async function sendShaped(res: ServerResponse, reply: Reply, fault: BodyShapeFault, tools: ShapeTools) {
  const headers: Record<string, string> = { ...reply.headers };
  const length =
    reply.body === undefined
      ? 0
      : typeof reply.body === 'string'
        ? Buffer.byteLength(reply.body)
        : reply.body.end - reply.body.start;
  if (fault.kind === 'drip' || fault.kind === 'drop-from-start') headers['content-length'] = String(length);
  else delete headers['content-length'];
  res.writeHead(reply.status, headers);
  if (reply.headOnly || reply.body === undefined) {
    res.end();
    return;
  }
  if (fault.kind === 'drip') {
    for (const chunk of replyChunks(reply)) {
      for (let at = 0; at < chunk.length; at += fault.bytes) {
        if (!(await write(res, chunk.subarray(at, at + fault.bytes)))) return;
        await tools.sleep(fault.everyMs);
        if (tools.closed()) return;
      }
    }
    res.end();
    return;
  }
  const limit =
    fault.kind === 'no-length'
      ? (fault.afterBytes ?? Infinity)
      : fault.kind === 'drop-from-start'
        ? fault.afterBytes
        : Infinity;
  let sent = 0;
  for (const chunk of replyChunks(reply)) {
    const piece = chunk.subarray(0, Math.max(0, limit - sent));
    if (piece.length > 0 && !(await write(res, piece))) return;
    sent += piece.length;
    if (sent >= limit) break;
  }
  if (fault.kind === 'drop-from-start') {
    // end() on the raw socket flushes what was written before the FIN, unlike destroy().
    res.flushHeaders();
    const socket = res.socket;
    socket?.end(() => socket.destroy());
    return;
  }
  if (fault.kind === 'endless') {
    // Past the end, the same body again and again: well-formed bytes, just far too many of them.
    const filler: Buffer[] = [];
    for (const chunk of replyChunks(reply)) if (filler.push(chunk) >= 16) break;
    for (;;) {
      for (const chunk of filler) {
        if (tools.closed() || !(await write(res, chunk))) return;
      }
      // Gives the event loop a turn so that a client going away is noticed.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  res.end();
}
