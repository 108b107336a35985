// The line format of journal.jsonl and how lines merge into entries. Each line is one patch: of a task,
// {"id", "at": <ms>, ...fields}, or of a create intent, {"intent", "at", ...fields}, written before a create
// request leaves the machine and completed by the task line that names it. Fields this version does not know are
// kept and written back on compaction, so an older veo compacting a journal written by a newer one loses nothing.
// The known fields are checked by hand rather than by a schema library: a journal of 100,000 tasks is read on
// every `veo list`, and a generic validator costs several times the JSON parse itself.

export const TASK_ID = /^[0-9a-f]{24}$/;
export const INTENT_ID = /^[0-9a-f]{16}$/;
export const LINK_TTL_MS = 48 * 3600 * 1000;

export interface Patch {
  id: string;
  at: number;
  model?: string;
  prompt?: string;
  params?: { ar?: string; image?: string; [key: string]: unknown };
  createdAt?: string;
  status?: string;
  url?: string | null;
  doneAt?: string;
  expiresAt?: string;
  savedPath?: string;
  bytes?: number;
  sha256?: string;
  reason?: string;
  /** Which batch item made the task: its key, and the output folder (older journals name the file instead). */
  batch?: { key: string; dir?: string; file?: string; [key: string]: unknown };
  /** The create intent this task completes. */
  intent?: string;
  [key: string]: unknown;
}

/**
 * What a create intent can be: `sending` until its answer is known; `void` once the service provably created
 * nothing; `unconfirmed` after a failure that may hide a task; `dismissed` once the user chose to create the item
 * again. An intent some task line names is confirmed whatever its own last state says.
 */
export const INTENT_STATES = ['sending', 'void', 'unconfirmed', 'dismissed'] as const;
export type IntentState = (typeof INTENT_STATES)[number];

export interface IntentPatch {
  intent: string;
  at: number;
  state?: IntentState;
  model?: string;
  prompt?: string;
  params?: { ar?: string; image?: string; [key: string]: unknown };
  batch?: { key: string; dir?: string; [key: string]: unknown };
  owner?: { pid: number; host: string; start?: number; [key: string]: unknown };
  startedAt?: string;
  reason?: string;
  [key: string]: unknown;
}

export interface DamagedRecord {
  line: number;
  text: string;
  problem: string;
}

// raw keeps the exact bytes so that compaction writes a damaged line back unchanged, even when
// it is not valid UTF-8 (a write torn inside a multi-byte character).
export interface DamagedLine extends DamagedRecord {
  raw: Buffer;
}

export interface ParsedJournal {
  states: Map<string, Patch>;
  intents: Map<string, IntentPatch>;
  damaged: DamagedLine[];
  /** Non-blank lines, damaged ones included. */
  lines: number;
}

// --- checks ----------------------------------------------------------------------------------------------------

type Check = (value: unknown) => string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined ? undefined : check(value);
const str: Check = (v) => (typeof v === 'string' ? undefined : 'expected a string');
const date: Check = (v) =>
  typeof v !== 'string' ? 'expected a string' : Number.isNaN(Date.parse(v)) ? 'not a date' : undefined;
const count: Check = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? undefined : 'expected a whole number >= 0';
const time: Check = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 8.64e15
    ? undefined
    : 'expected a time in ms since the epoch';
const matching =
  (pattern: RegExp, what: string): Check =>
  (v) =>
    typeof v === 'string' && pattern.test(v) ? undefined : what;

function object(fields: Record<string, Check>): Check {
  const checks = Object.entries(fields);
  return (value) => {
    if (!isObject(value)) return 'expected an object';
    for (const [key, check] of checks) {
      const problem = check(value[key]);
      if (problem !== undefined) return `${key}: ${problem}`;
    }
    return undefined;
  };
}

const params = optional(object({ ar: optional(str), image: optional(str) }));

const checkPatchFields = object({
  id: matching(TASK_ID, 'not a task id (24 lowercase hex characters)'),
  at: time,
  model: optional(str),
  prompt: optional(str),
  params,
  createdAt: optional(date),
  status: optional(str),
  url: (v) => (v === undefined || v === null ? undefined : str(v)),
  doneAt: optional(date),
  expiresAt: optional(date),
  savedPath: optional(str),
  bytes: optional(count),
  sha256: optional(str),
  reason: optional(str),
  batch: optional(object({ key: str, dir: optional(str), file: optional(str) })),
  intent: optional(matching(INTENT_ID, 'not an intent id')),
});

const checkIntentFields = object({
  intent: matching(INTENT_ID, 'not an intent id (16 lowercase hex characters)'),
  at: time,
  state: optional((v) =>
    (INTENT_STATES as readonly unknown[]).includes(v) ? undefined : `expected one of ${INTENT_STATES.join(', ')}`,
  ),
  model: optional(str),
  prompt: optional(str),
  params,
  batch: optional(object({ key: str, dir: optional(str) })),
  owner: optional(
    object({
      pid: (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? undefined : 'expected a whole number'),
      host: str,
      start: optional(count),
    }),
  ),
  startedAt: optional(date),
  reason: optional(str),
});

/** Validates a patch; returns it (the same object, unknown fields kept) or a human-readable problem. */
export function checkPatch(value: unknown): { patch: Patch } | { problem: string } {
  const problem = checkPatchFields(value);
  return problem === undefined ? { patch: value as Patch } : { problem };
}

export function checkIntent(value: unknown): { intent: IntentPatch } | { problem: string } {
  const problem = checkIntentFields(value);
  return problem === undefined ? { intent: value as IntentPatch } : { problem };
}

// --- merging ---------------------------------------------------------------------------------------------------

// Statuses a poll reports while the task still runs, and those after which it never changes.
// A poll answered before another process saw the task finish may be appended after that
// process's 'done'; it must not send the task back to 'processing'.
export const RUNNING = new Set(['idle', 'processing']);
const FINISHED = new Set(['done', 'failed', 'error', 'cancelled', 'canceled']);

export function linkExpiry(doneAt: Date | string): string {
  const ms = new Date(doneAt).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${String(doneAt)}`);
  return new Date(ms + LINK_TTL_MS).toISOString();
}

/** Done with a link to download: the moment the 48 hours of that link start. */
export function hasLink(state: { status?: unknown; url?: unknown }): boolean {
  return state.status === 'done' && typeof state.url === 'string' && state.url !== '';
}

/**
 * Merges a patch into the state so far. doneAt is never written by a poll: it is the `at` of the first patch after
 * which the task is done with a link, or the earliest doneAt any patch states. So an append never has to read what
 * came before it, and two processes that both see the task finish agree on when it did.
 */
export function mergePatch(current: Patch | undefined, patch: Patch): Patch {
  // A task's first patch becomes its state as it is (load parses each line into an object of its own).
  if (current === undefined) return withDoneAt(patch, undefined, patch);
  const next: Record<string, unknown> = { ...current, id: patch.id, at: Math.max(current.at, patch.at) };
  for (const key in patch) {
    const value = patch[key];
    if (value === undefined || key === 'id' || key === 'at') continue;
    // The API answers url: null until the video exists; a late null must not erase the only link to a paid clip.
    if (key === 'url' && value === null && typeof next.url === 'string') continue;
    if (key === 'status' && RUNNING.has(String(value)) && FINISHED.has(String(next.status))) continue;
    if (
      key === 'doneAt' &&
      typeof current.doneAt === 'string' &&
      Date.parse(current.doneAt) <= Date.parse(String(value))
    )
      continue;
    next[key] = value;
  }
  return withDoneAt(next as Patch, current, patch);
}

// expiresAt always follows doneAt: kept when doneAt did not change, taken from the patch that set doneAt when
// that patch states it, computed otherwise.
function withDoneAt(merged: Patch, current: Patch | undefined, patch: Patch): Patch {
  if (merged.doneAt === undefined) {
    if (!hasLink(merged)) return merged;
    merged.doneAt = new Date(patch.at).toISOString();
    merged.expiresAt = linkExpiry(merged.doneAt);
  } else if (merged.doneAt === current?.doneAt) {
    merged.expiresAt = current.expiresAt ?? linkExpiry(merged.doneAt);
  } else if (merged.doneAt !== patch.doneAt || patch.expiresAt === undefined) {
    merged.expiresAt = linkExpiry(merged.doneAt);
  }
  return merged;
}

// A settled intent never goes back to `sending`: a late line from a slow writer must not revive it.
export function mergeIntent(current: IntentPatch | undefined, patch: IntentPatch): IntentPatch {
  const next: Record<string, unknown> = { ...current, intent: patch.intent, at: Math.max(current?.at ?? 0, patch.at) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === 'intent' || key === 'at') continue;
    if (key === 'state' && value === 'sending' && current?.state !== undefined) continue;
    next[key] = value;
  }
  return next as IntentPatch;
}

// --- reading lines ---------------------------------------------------------------------------------------------

export interface LineVisitor {
  patch?(patch: Patch, start: number): void;
  intent?(intent: IntentPatch): void;
  damaged?(damaged: DamagedLine): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Calls the visitor for every line of `bytes` in order. `firstLine` numbers the first line (for a chunk read
 * from the middle of the file); returns the number of lines seen, blank ones included.
 */
export function visitLines(bytes: Buffer, visitor: LineVisitor, firstLine = 1): { lines: number; nonBlank: number } {
  let start = 0;
  let lineNo = firstLine;
  let nonBlank = 0;
  for (; start < bytes.length; lineNo++) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    const lineStart = start;
    const raw = bytes.subarray(start, end);
    start = end + 1;
    const report = (problem: string, text: string): void => {
      const why = nl === -1 ? `incomplete last line (a write cut short?): ${problem}` : problem;
      visitor.damaged?.({ line: lineNo, text, problem: why, raw: Buffer.from(raw) });
    };
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      report('not valid UTF-8', raw.toString('utf8'));
      nonBlank++;
      continue;
    }
    if (text.trim() === '') continue;
    nonBlank++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      report(`not JSON (${(err as Error).message})`, text);
      continue;
    }
    if (isObject(value) && 'intent' in value && !('id' in value)) {
      const checked = checkIntent(value);
      if ('problem' in checked) report(checked.problem, text);
      else visitor.intent?.(checked.intent);
      continue;
    }
    const checked = checkPatch(value);
    if ('problem' in checked) report(checked.problem, text);
    else visitor.patch?.(checked.patch, lineStart);
  }
  return { lines: lineNo - firstLine, nonBlank };
}

export function parseJournal(bytes: Buffer): ParsedJournal {
  const states = new Map<string, Patch>();
  const intents = new Map<string, IntentPatch>();
  const damaged: DamagedLine[] = [];
  const { nonBlank } = visitLines(bytes, {
    patch: (patch) => states.set(patch.id, mergePatch(states.get(patch.id), patch)),
    intent: (intent) => intents.set(intent.intent, mergeIntent(intents.get(intent.intent), intent)),
    damaged: (line) => damaged.push(line),
  });
  return { states, intents, damaged, lines: nonBlank };
}

// --- the quick scan ------------------------------------------------------------------------------------------

const ID_PREFIX = Buffer.from('{"id":"');
const AT_KEY = Buffer.from('","at":');
const CREATED_KEY = Buffer.from(',"createdAt":"');
const CREATED_NAME = Buffer.from('"createdAt"');
/** Not a task line of the quick shape: parse it in full. */
export const UNKNOWN = -1;
/** A task line of the quick shape without createdAt. */
export const NO_DATE = -2;

function has(bytes: Buffer, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[at + k] !== prefix[k]) return false;
  return true;
}

function digits(bytes: Buffer, at: number, n: number): number {
  let value = 0;
  for (let k = 0; k < n; k++) {
    const d = (bytes[at + k] as number) - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

// createdAt as this version writes it (toISOString: 2025-01-31T12:00:00.000Z), read straight from the bytes.
function isoAt(bytes: Buffer, at: number, close: number): number {
  if (close - at === 24 && bytes[at + 4] === 0x2d && bytes[at + 10] === 0x54 && bytes[at + 23] === 0x5a) {
    const ms = Date.UTC(
      digits(bytes, at, 4),
      digits(bytes, at + 5, 2) - 1,
      digits(bytes, at + 8, 2),
      digits(bytes, at + 11, 2),
      digits(bytes, at + 14, 2),
      digits(bytes, at + 17, 2),
      digits(bytes, at + 20, 3),
    );
    if (!Number.isNaN(ms)) return ms;
  }
  for (let k = at; k < close; k++) if ((bytes[k] as number) === 0x5c || (bytes[k] as number) > 0x7e) return Number.NaN;
  return Date.parse(bytes.toString('latin1', at, close));
}

/**
 * Visits each line with where its task id starts and its createdAt (ms), for a line this version wrote
 * (serializePatch puts them first), found without parsing the line; `created` is NO_DATE for such a line without
 * createdAt, and UNKNOWN (idAt -1) for a line of any other shape, which the caller parses in full.
 */
export function scanLines(
  bytes: Buffer,
  visit: (start: number, end: number, idAt: number, created: number) => void,
): void {
  let start = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    scanLine(bytes, start, end, visit);
    start = end + 1;
  }
}

function scanLine(
  bytes: Buffer,
  start: number,
  end: number,
  visit: (start: number, end: number, idAt: number, created: number) => void,
): void {
  if (bytes[end - 1] !== 0x7d || !has(bytes, start, ID_PREFIX)) return visit(start, end, -1, UNKNOWN);
  const idAt = start + ID_PREFIX.length;
  let i = idAt;
  for (const stop = i + 24; i < stop; i++) {
    const c = bytes[i] as number;
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return visit(start, end, -1, UNKNOWN);
  }
  if (!has(bytes, i, AT_KEY)) return visit(start, end, -1, UNKNOWN);
  i += AT_KEY.length;
  while (i < end && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x39) i++;
  if (!has(bytes, i, CREATED_KEY)) {
    // Written by an older version, with createdAt further on: parsed in full.
    const later = bytes.indexOf(CREATED_NAME, i);
    if (later !== -1 && later < end) return visit(start, end, -1, UNKNOWN);
    return visit(start, end, idAt, NO_DATE);
  }
  i += CREATED_KEY.length;
  const close = bytes.indexOf(0x22, i);
  const created = close === -1 || close >= end ? Number.NaN : isoAt(bytes, i, close);
  if (Number.isNaN(created)) return visit(start, end, -1, UNKNOWN);
  visit(start, end, idAt, created);
}

export function serializePatch(patch: Patch): string {
  // id, at and createdAt first: a person reading the file (or grepping it for an id) sees them at once, and
  // scanLines finds them without parsing the line.
  const { id, at, createdAt, ...fields } = patch;
  return JSON.stringify(createdAt === undefined ? { id, at, ...fields } : { id, at, createdAt, ...fields });
}

export function serializeIntent(patch: IntentPatch): string {
  const { intent, at, ...fields } = patch;
  return JSON.stringify({ intent, at, ...fields });
}
