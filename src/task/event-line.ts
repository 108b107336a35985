import type { RunEvent } from './run-events.js';

/**
 * The event stream's line format, version 1 (README "Event stream", docs/events-v1.schema.json). Within a version
 * fields may be added, never renamed, retyped or removed. Every field of a type is always present: what is not
 * known is null, so that a reader never has to tell a missing field from an empty one.
 */
export const EVENTS_VERSION = 1;

/** What `--events -` carries instead of stdout's own results: printed lines as `text`, the --json document as `data`. */
export interface ResultEvent {
  type: 'result';
  text?: string;
  data?: unknown;
}

export type StreamEvent = RunEvent | ResultEvent;

type Fields = Record<string, unknown>;

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/** The fields of each type after the common ones, in the order they are written. */
function fieldsOf(event: StreamEvent): Fields {
  switch (event.type) {
    case 'created':
      return { model: event.model, prompt: event.prompt, line: orNull(event.line) };
    case 'status':
      return { status: event.status, previous: orNull(event.previous) };
    case 'retry':
      return {
        what: event.what,
        attempt: event.attempt,
        attempts: orNull(event.attempts),
        delayMs: Math.round(event.delayMs),
        error: event.error,
      };
    case 'progress':
      return { bytes: event.bytes, total: orNull(event.total) };
    case 'saved':
      return {
        path: event.path,
        url: event.url,
        bytes: event.bytes,
        sha256: event.sha256,
        alreadySaved: event.alreadySaved,
      };
    case 'failed':
      return { code: event.code, message: event.message, exitCode: event.exitCode, path: orNull(event.path) };
    case 'expiring':
      return { expiresAt: event.expiresAt };
    case 'item':
      return {
        line: orNull(event.line),
        outcome: event.outcome,
        path: orNull(event.path),
        prompt: orNull(event.prompt),
        code: orNull(event.code),
        message: orNull(event.message),
      };
    case 'end':
      return { command: event.command, exitCode: event.exitCode };
    case 'result':
      return { text: orNull(event.text), data: orNull(event.data) };
  }
}

/** Every string inside `value` passed through `redact`: text from outside may carry the key anywhere. */
function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, redact)]));
  }
  return value;
}

/**
 * One event as one line of JSON, newline included. JSON itself escapes every control character, so a prompt or an
 * error message from the service can neither break the line nor reach a terminal raw.
 */
export function eventLine(event: StreamEvent, redact: (text: string) => string, now = new Date()): string {
  const id = 'id' in event && typeof event.id === 'string' ? event.id : null;
  const line = {
    v: EVENTS_VERSION,
    type: event.type,
    time: now.toISOString(),
    id,
    ...(redactDeep(fieldsOf(event), redact) as Fields),
  };
  // U+2028 and U+2029 are valid in JSON but end a line for some readers: escaped, they cannot split one.
  return `${redact(JSON.stringify(line)).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}\n`;
}
