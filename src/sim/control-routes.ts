import { parseFault, parseTimes, checkFaultFitsRoute, isRoute } from './faults.js';
import { jsonReply, type Reply, type SimRequest } from './http-io.js';
import type { Fault, PendingFault, RecordedRequest, ResolvedSimOptions, Route, TaskState, VideoInfo } from './types.js';

/** Where the control endpoints live on the API origin; never recorded, never faulted, no key needed. */
export const CONTROL_PREFIX = '/__sim';

export function isControlPath(path: string): boolean {
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

export interface ControlContext {
  options(): ResolvedSimOptions;
  configure(patch: unknown): void;
  inject(route: Route, fault: Fault, times: number): void;
  clearFaults(): void;
  pendingFaults(): PendingFault[];
  requests: RecordedRequest[];
  tasks(): TaskState[];
  video(): VideoInfo;
  /** Stop the simulator once this answer is out (what a detached veo-sim is stopped with). */
  shutdown(): void;
}

const ENDPOINTS = [
  'GET    /__sim/config     the options in force',
  'POST   /__sim/config     {"taskMs":500,...}: change options (null resets one to its default)',
  'GET    /__sim/faults     the queued faults',
  'POST   /__sim/faults     {"route":"create","fault":{"kind":"code","code":6},"times":2} (or an array of them)',
  'DELETE /__sim/faults     drop every queued fault',
  'GET    /__sim/requests   every recorded request',
  'DELETE /__sim/requests   forget the recorded requests',
  'GET    /__sim/tasks      every task with its current status',
  'GET    /__sim/video      what the file host serves: kind, size, etag, sha256',
  'POST   /__sim/shutdown   stop the simulator',
];

/** JSON has no Infinity, and `times: Infinity` is a normal thing to queue. */
function reply(status: number, value: unknown): Reply {
  const text = JSON.stringify(value, (_key, v: unknown) => (v === Infinity ? 'Infinity' : v));
  return jsonReply(status, JSON.parse(text));
}

function badRequest(message: string): Reply {
  return reply(400, { error: message });
}

function parseBody(body: string): unknown {
  if (body.trim() === '') return undefined;
  return JSON.parse(body);
}

interface FaultOrder {
  route: Route;
  fault: Fault;
  times: number;
}

function parseOrder(value: unknown): FaultOrder {
  if (typeof value !== 'object' || value === null) throw new TypeError('expected {"route", "fault", "times"?}');
  const { route, fault, times } = value as Record<string, unknown>;
  if (!isRoute(route)) throw new TypeError(`unknown route ${JSON.stringify(route)}`);
  const order = { route, fault: parseFault(fault), times: parseTimes(times) };
  checkFaultFitsRoute(order.route, order.fault);
  return order;
}

export async function handleControl(ctx: ControlContext, req: SimRequest): Promise<Reply> {
  const where = `${req.method} ${req.path.replace(/\/+$/, '') || '/'}`;
  let body: unknown;
  try {
    body = parseBody(req.body);
  } catch {
    return badRequest('the body is not valid JSON');
  }
  try {
    switch (where) {
      case 'GET /__sim':
        return reply(200, { endpoints: ENDPOINTS });
      case 'GET /__sim/config':
        return reply(200, ctx.options());
      case 'POST /__sim/config':
      case 'PATCH /__sim/config':
        ctx.configure(body);
        return reply(200, ctx.options());
      case 'GET /__sim/faults':
        return reply(200, ctx.pendingFaults());
      case 'POST /__sim/faults': {
        // Every order is checked before any is queued, so a bad batch changes nothing.
        const orders = (Array.isArray(body) ? body : [body]).map(parseOrder);
        for (const order of orders) ctx.inject(order.route, order.fault, order.times);
        return reply(200, ctx.pendingFaults());
      }
      case 'DELETE /__sim/faults':
        ctx.clearFaults();
        return reply(200, ctx.pendingFaults());
      case 'GET /__sim/requests':
        return reply(200, ctx.requests);
      case 'DELETE /__sim/requests': {
        const cleared = ctx.requests.length;
        ctx.requests.length = 0;
        return reply(200, { cleared });
      }
      case 'GET /__sim/tasks':
        return reply(200, ctx.tasks());
      case 'GET /__sim/video': {
        const video = ctx.video();
        return reply(200, { kind: video.kind, size: video.size, etag: video.etag, sha256: await video.sha256() });
      }
      case 'POST /__sim/shutdown':
        ctx.shutdown();
        return reply(200, { stopping: true });
      default:
        return reply(404, { error: `no control endpoint ${where}`, endpoints: ENDPOINTS });
    }
  } catch (error) {
    if (error instanceof TypeError) return badRequest(error.message);
    throw error;
  }
}
