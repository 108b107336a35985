// Reading journal.jsonl: every line checked and merged (visitLines, parseJournal), or, for a long journal, only
// scanned for the id and createdAt at the start of the lines this version writes (scanLines).
import {
  checkIntent,
  checkPatch,
  isObject,
  type DamagedLine,
  type IntentPatch,
  type ParsedJournal,
  type Patch,
} from './journal-format.js';
import { mergeIntent, mergePatch } from './journal-merge.js';

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
