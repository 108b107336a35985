// One request through the simulator: recorded (tests read what the client sent), then answered by its route,
// unless a fault was injected for that route, in which case the fault decides how the answer goes wrong.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { classifyApiPath, envelope, handleApiRequest, type ApiContext } from './api-routes.js';
import { CODE_EXCEPTION } from './api-codes.js';
import { isSentShaped, sendShaped } from './body-shapes.js';
import { handleControl, isControlPath, type ControlContext } from './control-routes.js';
import type { FaultQueue } from './faults.js';
import { faultReply, truncationFor } from './fault-replies.js';
import { handleFileRequest, type FileHostContext } from './file-host.js';
import { headerRecord, readBody, sendReply, splitUrl, type Reply, type SimRequest } from './http-io.js';
import type { Lifecycle } from './lifecycle.js';
import type { Fault, RecordedRequest, RecordedRoute } from './types.js';

export type Origin = 'api' | 'file';

export interface ServeContext {
  api: ApiContext;
  files: FileHostContext;
  control: ControlContext;
  faults: FaultQueue;
  lifecycle: Lifecycle;
  now: () => number;
  /** Keeps the request and wakes whoever waits for one like it. */
  record: (request: RecordedRequest) => void;
  /** Whether a control request asked the simulator to shut down. */
  shutdownRequested: () => boolean;
}

/** Tears the connection down with a TCP RST, which clients see as ECONNRESET rather than a tidy close. */
function reset(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

/** The request handler of one origin; a failure inside is a simulator bug, answered as the service would. */
export function handler(ctx: ServeContext, origin: Origin) {
  return (req: IncomingMessage, res: ServerResponse) => {
    serve(ctx, origin, req, res).catch((error: unknown) => {
      // A bug in the simulator: say so loudly, and answer the way the real service does on an exception.
      console.error('veo-sim: internal error:', error);
      if (!res.headersSent) void sendReply(res, envelope(CODE_EXCEPTION)).catch(() => res.destroy());
      else res.destroy();
    });
  };
}

async function serve(ctx: ServeContext, origin: Origin, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { path, query } = splitUrl(req.url);
  const method = req.method ?? 'GET';
  const headers = headerRecord(req);
  if (origin === 'api' && isControlPath(path)) {
    const body = await readBody(req);
    await sendReply(res, await handleControl(ctx.control, { method, path, query, headers, body }));
    if (ctx.shutdownRequested()) {
      await new Promise((resolve) => (res.writableFinished ? resolve(undefined) : res.once('finish', resolve)));
      await ctx.lifecycle.close();
    }
    return;
  }
  const route = origin === 'file' ? 'file' : classifyApiPath(path);
  const record: RecordedRequest = { origin, route, method, path, query, headers, body: '', at: ctx.now() };
  const fault = ctx.faults.take(route, origin);
  if (fault) record.fault = fault.kind;
  ctx.record(record);

  if (fault?.kind === 'reset-before') {
    reset(req.socket);
    return;
  }
  record.body = await readBody(req);
  if (ctx.lifecycle.closed) return;
  const request: SimRequest = { method, path, query, headers, body: record.body };
  const answer = (shaping: Fault | undefined): Reply =>
    origin === 'api' ? handleApiRequest(ctx.api, request, shaping) : handleFileRequest(ctx.files, request, shaping);
  await answerWith(ctx, { origin, route, method, fault, answer }, req, res);
}

interface Answering {
  origin: Origin;
  route: RecordedRoute;
  method: string;
  fault: Fault | undefined;
  answer: (shaping: Fault | undefined) => Reply;
}

async function answerWith(ctx: ServeContext, a: Answering, req: IncomingMessage, res: ServerResponse) {
  const { fault, answer } = a;
  const { lifecycle } = ctx;
  switch (fault?.kind) {
    case 'stall':
      return;
    case 'reset-after':
      answer(undefined);
      reset(req.socket);
      return;
    case 'slow':
      await lifecycle.sleep(fault.ms);
      if (lifecycle.closed) return;
      await sendReply(res, answer(undefined));
      return;
    case 'late-answer': {
      const reply = answer(undefined);
      await lifecycle.sleep(fault.ms);
      if (lifecycle.closed) return;
      await sendReply(res, reply);
      return;
    }
  }
  if (isSentShaped(fault)) {
    const shaping = a.origin === 'file' ? fault : undefined;
    await sendShaped(res, answer(shaping), fault, {
      sleep: (ms) => lifecycle.sleep(ms),
      closed: () => lifecycle.closed,
    });
    return;
  }
  const canned = fault && faultReply(a.route, fault);
  if (canned) {
    await sendReply(res, { ...canned, headOnly: a.method === 'HEAD' });
    return;
  }
  await sendReply(res, answer(fault), truncationFor(fault));
}
