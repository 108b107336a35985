import { ANSWER_FAULT_KINDS, isAnswerFaultKind, parseAnswerFault, TASK_ANSWER_FAULT_KINDS } from './answer-faults.js';
import { BODY_SHAPE_KINDS, FILE_ONLY_SHAPES, parseBodyShape } from './body-shapes.js';
import type { Fault, FaultKind, PendingFault, RecordedRoute, Route } from './types.js';

const ROUTES: readonly Route[] = ['create', 'result', 'models', 'balance', 'file', 'any-api'];

/** Kinds that only make sense while a video body is being served. drop and stall-body cut any answer short. */
const FILE_ONLY: ReadonlySet<FaultKind> = new Set([
  'ignore-range',
  'expired',
  'wrong-type',
  'not-mp4',
  ...FILE_ONLY_SHAPES,
]);

/** Kinds that rewrite a task answer, so they need a route that answers with a task. */
const TASK_ONLY: ReadonlySet<FaultKind> = new Set(['done-without-url', 'status', ...TASK_ANSWER_FAULT_KINDS]);
const TASK_ROUTES: ReadonlySet<Route> = new Set(['create', 'result', 'any-api']);

const ALL_KINDS: ReadonlySet<FaultKind> = new Set([
  'code',
  'http',
  'html',
  'empty',
  'malformed',
  'shape',
  'reset-before',
  'reset-after',
  'stall',
  'slow',
  'done-without-url',
  'status',
  'redirect',
  'drop',
  'stall-body',
  ...FILE_ONLY,
  ...ANSWER_FAULT_KINDS,
  ...(BODY_SHAPE_KINDS as ReadonlySet<FaultKind>),
]);

function fail(message: string): never {
  throw new TypeError(`veo-sim fault: ${message}`);
}

export function isRoute(value: unknown): value is Route {
  return typeof value === 'string' && (ROUTES as readonly string[]).includes(value);
}

function wholeNumber(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${field} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`${field} must be a string`);
  return value;
}

/**
 * Checks a fault that may come from JSON (the /__sim/faults endpoint) and returns a clean copy, so that a typo
 * in a test's fault fails loudly instead of silently doing nothing.
 */
export function parseFault(value: unknown): Fault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected an object with a "kind"');
  const raw = value as Record<string, unknown>;
  const kind = raw.kind;
  if (typeof kind !== 'string' || !ALL_KINDS.has(kind as FaultKind)) {
    fail(`unknown kind ${JSON.stringify(kind)}; one of ${[...ALL_KINDS].join(', ')}`);
  }
  if (isAnswerFaultKind(kind)) return parseAnswerFault(kind, raw, fail);
  switch (kind as FaultKind) {
    case 'code': {
      const message = optionalString('message', raw.message);
      const code = wholeNumber('code', raw.code, 0);
      return message === undefined ? { kind: 'code', code } : { kind: 'code', code, message };
    }
    case 'http': {
      const fault: Fault = { kind: 'http', status: wholeNumber('status', raw.status, 100, 599) };
      const body = optionalString('body', raw.body);
      const contentType = optionalString('contentType', raw.contentType);
      if (body !== undefined) fault.body = body;
      if (contentType !== undefined) fault.contentType = contentType;
      if (raw.headers !== undefined) {
        if (typeof raw.headers !== 'object' || raw.headers === null || Array.isArray(raw.headers)) {
          fail('headers must be an object of strings');
        }
        const headers: Record<string, string> = {};
        for (const [name, headerValue] of Object.entries(raw.headers)) {
          headers[name] = optionalString(`headers.${name}`, headerValue) ?? '';
        }
        fault.headers = headers;
      }
      return fault;
    }
    case 'slow':
      return { kind: 'slow', ms: wholeNumber('ms', raw.ms, 0) };
    case 'status': {
      const status = optionalString('status', raw.status);
      if (status === undefined) fail('status needs a "status" string');
      return { kind: 'status', status };
    }
    case 'redirect': {
      const location = optionalString('location', raw.location);
      if (location === undefined) fail('redirect needs a "location"');
      if (raw.status === undefined) return { kind: 'redirect', location };
      return { kind: 'redirect', location, status: wholeNumber('status', raw.status, 300, 399) };
    }
    case 'drop':
    case 'stall-body':
      return { kind: kind as 'drop' | 'stall-body', afterBytes: wholeNumber('afterBytes', raw.afterBytes, 0) };
    default:
      return parseBodyShape(raw) ?? ({ kind } as Fault);
  }
}

export function parseTimes(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (value === Infinity || value === 'Infinity') return Infinity;
  return wholeNumber('times', value, 1);
}

export function checkFaultFitsRoute(route: Route, fault: Fault): void {
  if (FILE_ONLY.has(fault.kind) && route !== 'file') fail(`"${fault.kind}" applies to the 'file' route only`);
  if (TASK_ONLY.has(fault.kind) && !TASK_ROUTES.has(route)) {
    fail(`"${fault.kind}" applies to the 'create', 'result' and 'any-api' routes only`);
  }
}

/** Per-route queues; a request takes from its own route first, then (API origin) from 'any-api'. */
export class FaultQueue {
  private readonly queues = new Map<Route, PendingFault[]>();

  add(route: Route, fault: Fault, times: number): void {
    if (!isRoute(route)) fail(`unknown route ${JSON.stringify(route)}; one of ${ROUTES.join(', ')}`);
    const clean = parseFault(fault);
    checkFaultFitsRoute(route, clean);
    const remaining = parseTimes(times);
    const queue = this.queues.get(route) ?? [];
    queue.push({ route, fault: clean, remaining });
    this.queues.set(route, queue);
  }

  /** Takes the next fault for a request of `requestRoute`; an 'any-api' fault that cannot apply to it stays queued. */
  take(requestRoute: RecordedRoute, origin: 'api' | 'file'): Fault | undefined {
    const routes: Route[] =
      origin === 'file' ? ['file'] : requestRoute === 'other' ? ['any-api'] : [requestRoute, 'any-api'];
    for (const route of routes) {
      const queue = this.queues.get(route);
      const head = queue?.[0];
      if (!queue || !head) continue;
      if (TASK_ONLY.has(head.fault.kind) && requestRoute !== 'create' && requestRoute !== 'result') continue;
      head.remaining -= 1;
      if (head.remaining <= 0) queue.shift();
      return head.fault;
    }
    return undefined;
  }

  clear(): void {
    this.queues.clear();
  }

  pending(): PendingFault[] {
    return [...this.queues.values()].flat().map((entry) => ({ ...entry, fault: { ...entry.fault } }));
  }
}
