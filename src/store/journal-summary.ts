// journal.summary.json: what the commands that run on every invocation need from the journal, kept so that none
// of them has to read the whole journal. It covers the journal up to a byte offset and names the file it was made
// from (inode, birth time and its last bytes), so a summary that is behind (a crash between an append and its
// update, or a writer of an older version) catches up by reading only the bytes after that offset, and one made
// from another file (a compaction by an older veo) is rebuilt from the journal. It is a cache: losing it loses
// nothing, and it is replaced by rename, never written in place.
//   watch    tasks done with a link that may still be unsaved, with when they finished: the expiry reminder
//   intents  create intents no task line has completed and nobody settled: the unconfirmed-create reminder and list
//   damaged  the damaged lines (up to MAX_DAMAGED): reported by `veo list --limit` without parsing every line
//   base     the journal's size after its last compaction: the next one waits until the journal has doubled
import type { FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { readAt, readNoFollow } from './journal-files.js';
import { replacePrivateFile } from './private-files.js';
import { LINK_TTL_MS, type DamagedRecord, type IntentPatch, type Patch } from './journal-format.js';
import { visitLines } from './journal-lines.js';
import { hasLink, mergeIntent, RUNNING } from './journal-merge.js';

export const SUMMARY_FILE = 'journal.summary.json';
const VERSION = 2;
const TAIL_BYTES = 32;
export const MAX_DAMAGED = 100;

/** A task that may be an unsaved finished video. */
export interface Watched {
  done?: boolean;
  link?: boolean;
  doneAt?: string;
  at: number;
}

export interface Summary {
  v: number;
  ino: number;
  birth: number;
  /** Bytes of the journal covered: always the end of a complete line. */
  size: number;
  /** The last bytes before `size`, base64: tells a journal replaced under the same inode. */
  tail: string;
  /** Lines covered, blank ones included: numbers the damaged lines found later. */
  lines: number;
  base: number;
  damaged: { line: number; problem: string }[];
  damagedCount: number;
  watch: Record<string, Watched>;
  /** Open intents, and for a while those just completed or settled (so that a late line of theirs is judged as load would). */
  intents: Record<string, IntentPatch | Closed>;
}

/** An intent completed by a task line, or settled as void or dismissed. */
export interface Closed {
  closed: true;
  at: number;
}

function empty(st: Stats): Summary {
  return {
    v: VERSION,
    ino: st.ino,
    birth: st.birthtimeMs,
    size: 0,
    tail: '',
    lines: 0,
    base: 0,
    damaged: [],
    damagedCount: 0,
    watch: {},
    intents: {},
  };
}

const SETTLED = new Set(['expired', 'failed', 'error', 'cancelled', 'canceled']);

/** The same rules as mergePatch, for the few fields the reminder needs. */
export function foldWatch(watch: Record<string, Watched>, patch: Patch): void {
  const status = typeof patch.status === 'string' ? patch.status.toLowerCase() : undefined;
  if (patch.savedPath !== undefined || (status !== undefined && SETTLED.has(status))) {
    delete watch[patch.id];
    return;
  }
  let w = watch[patch.id];
  if (w === undefined) {
    if (patch.status !== 'done' && !(typeof patch.url === 'string' && patch.url !== '') && patch.doneAt === undefined)
      return;
    w = watch[patch.id] = { at: patch.at };
  }
  if (typeof patch.status === 'string' && !(RUNNING.has(patch.status) && w.done)) w.done = patch.status === 'done';
  if (typeof patch.url === 'string') w.link = patch.url !== '';
  if (patch.doneAt !== undefined && (w.doneAt === undefined || Date.parse(patch.doneAt) < Date.parse(w.doneAt)))
    w.doneAt = patch.doneAt;
  if (w.doneAt === undefined && w.done && w.link) {
    // A task first seen done long after it was created (its id holds that moment) has a link that is surely dead.
    if (patch.at - parseInt(patch.id.slice(0, 8), 16) * 1000 > LINK_TTL_MS) {
      delete watch[patch.id];
      return;
    }
    w.doneAt = new Date(patch.at).toISOString();
  }
  w.at = Math.max(w.at, patch.at);
}

const isClosed = (value: IntentPatch | Closed | undefined): value is Closed =>
  value !== undefined && 'closed' in value && value.closed === true;

/** The same rules as load's open intents: a task line naming one completes it; void and dismissed settle it. */
export function foldIntent(intents: Record<string, IntentPatch | Closed>, line: IntentPatch): void {
  const current = intents[line.intent];
  if (!isClosed(current)) intents[line.intent] = mergeIntent(current, line);
}

const settled = (i: IntentPatch): boolean => i.state === 'void' || i.state === 'dismissed';

export function foldCompleted(intents: Record<string, IntentPatch | Closed>, patch: Patch): void {
  if (patch.intent !== undefined) intents[patch.intent] = { closed: true, at: patch.at };
}

/** Open intents, oldest first. */
export function openIntentsOf(summary: Summary): IntentPatch[] {
  return Object.values(summary.intents)
    .filter((i): i is IntentPatch => !isClosed(i) && !settled(i))
    .sort((a, b) => a.at - b.at);
}

/** Watch entries built from merged states (after a compaction). */
export function watchOf(states: Iterable<Patch>, now: number): Record<string, Watched> {
  const watch: Record<string, Watched> = {};
  for (const s of states) {
    const status = typeof s.status === 'string' ? s.status.toLowerCase() : undefined;
    if (s.savedPath !== undefined || (status !== undefined && SETTLED.has(status))) continue;
    if (!hasLink(s) && s.doneAt === undefined) continue;
    watch[s.id] = {
      done: s.status === 'done',
      link: typeof s.url === 'string' && s.url !== '',
      ...(s.doneAt ? { doneAt: s.doneAt } : {}),
      at: s.at,
    };
  }
  for (const [id, w] of Object.entries(watch)) {
    if ((w.doneAt === undefined ? w.at : Date.parse(w.doneAt)) + LINK_TTL_MS < now) delete watch[id];
  }
  return watch;
}

function prune(summary: Summary, now: number): void {
  for (const [id, w] of Object.entries(summary.watch)) {
    const since = w.doneAt === undefined ? w.at : Date.parse(w.doneAt);
    if (since + LINK_TTL_MS < now) delete summary.watch[id];
  }
  // A late line of a closed or settled intent comes within moments of it, never days later.
  for (const [id, i] of Object.entries(summary.intents)) {
    if ((isClosed(i) || settled(i)) && i.at + LINK_TTL_MS < now) delete summary.intents[id];
  }
}

/** Finished, unsaved videos whose link dies within `withinMs`, soonest first. */
export function expiringFrom(summary: Summary, withinMs: number, now: number): { id: string; expiresAt: number }[] {
  const soon: { id: string; expiresAt: number }[] = [];
  for (const [id, w] of Object.entries(summary.watch)) {
    if (!w.done || !w.link || w.doneAt === undefined) continue;
    const expiresAt = Date.parse(w.doneAt) + LINK_TTL_MS;
    if (expiresAt > now && expiresAt - now <= withinMs) soon.push({ id, expiresAt });
  }
  return soon.sort((a, b) => a.expiresAt - b.expiresAt);
}

function shapeOk(value: unknown): value is Summary {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Summary;
  return (
    s.v === VERSION &&
    [s.ino, s.birth, s.size, s.lines, s.base, s.damagedCount].every((n) => typeof n === 'number') &&
    typeof s.tail === 'string' &&
    Array.isArray(s.damaged) &&
    typeof s.watch === 'object' &&
    s.watch !== null &&
    typeof s.intents === 'object' &&
    s.intents !== null
  );
}

export async function readSummary(path: string): Promise<Summary | undefined> {
  try {
    const bytes = await readNoFollow(path);
    if (bytes === undefined) return undefined;
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return shapeOk(value) ? value : undefined;
  } catch {
    return undefined; // unreadable, torn or foreign: rebuilt from the journal
  }
}

export async function writeSummary(path: string, summary: Summary): Promise<void> {
  await replacePrivateFile(path, JSON.stringify(summary), false);
}

/** Whether `summary` was made from the journal open as `fh` (a prefix of it, at least). */
async function madeFrom(summary: Summary, fh: FileHandle, st: Stats): Promise<boolean> {
  if (summary.ino !== st.ino || summary.birth !== st.birthtimeMs || st.size < summary.size) return false;
  const tail =
    summary.size === 0
      ? Buffer.alloc(0)
      : await readAt(fh, Math.max(0, summary.size - TAIL_BYTES), Math.min(TAIL_BYTES, summary.size));
  return tail.toString('base64') === summary.tail;
}

export interface Current {
  summary: Summary;
  /** Whether it differs from what was read (and so is worth writing back). */
  changed: boolean;
  /** Damage in an incomplete last line, which the summary does not cover yet. */
  pending: DamagedRecord[];
}

/**
 * Brings `summary` (possibly undefined or of another file) up to the journal open as `fh`: reads only the bytes it
 * does not cover, or the whole journal when it was made from another file.
 */
export async function bringUpToDate(summary: Summary | undefined, fh: FileHandle, now: number): Promise<Current> {
  const st = await fh.stat();
  let changed = false;
  let rebuilt = false;
  if (summary === undefined || !(await madeFrom(summary, fh, st))) {
    summary = empty(st);
    changed = rebuilt = true;
  }
  const pending: DamagedRecord[] = [];
  if (st.size > summary.size) {
    const chunk = await readAt(fh, summary.size, st.size - summary.size);
    const complete = chunk.lastIndexOf(0x0a) + 1;
    const target = summary;
    const ids = rebuilt ? new Set<string>() : undefined;
    let units = 0;
    const { lines, nonBlank } = visitLines(
      chunk.subarray(0, complete),
      {
        patch: (patch) => {
          foldWatch(target.watch, patch);
          foldCompleted(target.intents, patch);
          ids?.add(patch.id);
        },
        intent: (line) => {
          foldIntent(target.intents, line);
          units++;
        },
        damaged: ({ line, problem }) => {
          target.damagedCount++;
          units++;
          if (target.damaged.length < MAX_DAMAGED) target.damaged.push({ line, problem });
        },
      },
      summary.lines + 1,
    );
    if (complete < chunk.length) {
      visitLines(
        chunk.subarray(complete),
        { damaged: ({ line, text, problem }) => pending.push({ line, text, problem }) },
        summary.lines + lines + 1,
      );
    }
    if (complete > 0) {
      summary.size += complete;
      summary.lines += lines;
      const end = chunk.subarray(0, complete);
      summary.tail = (
        end.length >= TAIL_BYTES
          ? end.subarray(end.length - TAIL_BYTES)
          : await readAt(fh, Math.max(0, summary.size - TAIL_BYTES), Math.min(TAIL_BYTES, summary.size))
      ).toString('base64');
      changed = true;
    }
    // A journal met for the first time: if compacting would halve it, the next append does so.
    if (ids !== undefined) summary.base = (ids.size + units) * 2 <= nonBlank ? 0 : summary.size;
  }
  if (changed) prune(summary, now);
  return { summary, changed, pending };
}

/** A summary made from data just written by compaction. */
export function summaryOf(
  st: Stats,
  data: Buffer,
  lines: number,
  damaged: DamagedRecord[],
  watch: Record<string, Watched>,
  intents: IntentPatch[],
): Summary {
  return {
    v: VERSION,
    ino: st.ino,
    birth: st.birthtimeMs,
    size: data.length,
    tail: data.subarray(Math.max(0, data.length - TAIL_BYTES)).toString('base64'),
    lines,
    base: data.length,
    damaged: damaged.slice(0, MAX_DAMAGED).map(({ line, problem }) => ({ line, problem })),
    damagedCount: damaged.length,
    watch,
    intents: Object.fromEntries(intents.map((i) => [i.intent, i])),
  };
}
