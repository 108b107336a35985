// Storage: journal.jsonl holds one JSON patch per line, {"id", "at", ...fields}; load merges them by id
// in file order. Appends never touch earlier bytes, so a crash leaves at worst a torn last line, which the
// next append fences off with a '\n' and load reports as damaged. Every writer holds journal.lock, so a
// compaction (merged state to a temp file, fsync, rename over) cannot lose an append made to the file it
// replaces. Damaged lines pass through compaction byte for byte and are reported by every load until a
// person repairs or deletes them: nothing recorded is ever dropped silently.
// Cost: an append reads nothing of the journal but its last byte (and the bytes its summary does not cover yet,
// normally just the line it wrote); what every command needs (the expiry reminder) comes from the summary
// (journal-summary.ts); compaction waits until the journal has doubled since the last one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  APPEND,
  CREATE_NEW,
  errorCode,
  JournalLinkError,
  openNoFollow,
  READ,
  readAt,
  readNoFollow,
  writeAll,
} from './journal-files.js';
import {
  checkIntent,
  checkPatch,
  linkExpiry,
  mergePatch,
  NO_DATE,
  parseJournal,
  scanLines,
  serializeIntent,
  serializePatch,
  visitLines,
  type DamagedRecord,
  type IntentPatch,
  type IntentState,
  type Patch,
} from './journal-format.js';
import { TaskIds } from './journal-ids.js';
import { withLock } from './journal-lock.js';
import {
  bringUpToDate,
  expiringFrom,
  openIntentsOf,
  readSummary,
  SUMMARY_FILE,
  summaryOf,
  watchOf,
  writeSummary,
  type Current,
  type Summary,
} from './journal-summary.js';
import type { ProcessIdentity } from './process-identity.js';

export type { DamagedRecord, IntentState } from './journal-format.js';
export { JournalLinkError } from './journal-files.js';
export { LINK_TTL_MS, linkExpiry } from './journal-format.js';
export const JOURNAL_FILE = 'journal.jsonl';
export const JOURNAL_LOCK_FILE = 'journal.lock';

export interface JournalEntry {
  id: string;
  model?: string;
  prompt?: string;
  params?: { ar?: string; image?: string };
  createdAt?: string;
  status?: string;
  url?: string | null;
  /** When the task was first seen done with a url. */
  doneAt?: string;
  /** doneAt + 48 h: when the video link is expected to stop working. */
  expiresAt?: string;
  savedPath?: string;
  bytes?: number;
  sha256?: string;
  /** Why the task failed. */
  reason?: string;
  /** Which item of `veo batch` created the task: its key and output folder (older journals: the file). */
  batch?: BatchTag;
  /** The create intent this task completed. */
  intent?: string;
  /** When the entry last changed (set by the journal; ignored in a patch). */
  updatedAt: string;
}

export interface BatchTag {
  key: string;
  dir?: string;
  file?: string;
}

export type JournalPatch = Partial<JournalEntry> & { id: string };

/** A create request about to leave, or that left without a known answer: it may have made a billed task. */
export interface CreateIntent {
  intent: string;
  state: IntentState;
  model?: string;
  prompt?: string;
  params?: { ar?: string; image?: string };
  batch?: { key: string; dir?: string };
  owner?: ProcessIdentity;
  startedAt?: string;
  reason?: string;
  updatedAt: string;
}

export type IntentUpdate = Partial<Omit<CreateIntent, 'updatedAt'>> & { intent: string };

export interface LoadedJournal {
  entries: JournalEntry[];
  damaged: DamagedRecord[];
  /** Create intents no task line completes and nobody settled as void or dismissed, oldest first. */
  intents: CreateIntent[];
}

export interface JournalOptions {
  /** Clock for updatedAt and doneAt, in ms since the epoch. */
  now?: () => number;
  /** Compact once the file is larger than this and twice its size after the last compaction (default 1 MiB). */
  compactAtBytes?: number;
  /** How long record() waits for another process's lock before it rejects (default 30 s). */
  lockTimeoutMs?: number;
  /** Applied to every string recorded, task or intent (nested ones too), so that no secret is ever written. */
  redact?: (text: string) => string;
}

function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, redact)]));
  }
  return value;
}

function failure(what: string, err: unknown): Error {
  return new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

// A task without createdAt (first seen by `veo result`) sorts by its id: a MongoDB ObjectId
// whose first 8 hex digits are its creation time in seconds.
function createdMs(entry: JournalEntry): number {
  const ms = entry.createdAt === undefined ? Number.NaN : Date.parse(entry.createdAt);
  return Number.isNaN(ms) ? parseInt(entry.id.slice(0, 8), 16) * 1000 : ms;
}

function openIntents(states: Map<string, Patch>, intents: Map<string, IntentPatch>): IntentPatch[] {
  if (intents.size === 0) return [];
  const confirmed = new Set<string>();
  for (const state of states.values()) if (state.intent !== undefined) confirmed.add(state.intent);
  return [...intents.values()].filter((i) => !confirmed.has(i.intent) && i.state !== 'void' && i.state !== 'dismissed');
}

function toIntent(state: IntentPatch): CreateIntent {
  const { at, ...fields } = state;
  return { ...fields, state: fields.state ?? 'sending', updatedAt: new Date(at).toISOString() } as CreateIntent;
}

function toEntry(state: Patch): JournalEntry {
  // In place: every state is an object of its own, and copying 100,000 of them is what a long journal cannot afford.
  const entry = state as unknown as JournalEntry & { at?: number };
  entry.updatedAt = new Date(state.at).toISOString();
  delete entry.at;
  return entry;
}

// Makes a new or renamed directory entry survive a power cut; not possible on every platform.
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (fh === undefined) return;
  await fh.sync().catch(() => undefined);
  await fh.close();
}

const CHUNK_BYTES = 1024 * 1024;

/** Calls `fn` with the file's complete lines, a chunk at a time, and the offset where each chunk starts. */
async function eachChunk(fh: FileHandle, size: number, fn: (bytes: Buffer, base: number) => void): Promise<void> {
  // One buffer, reused: a line cut by the end of a chunk moves to its start; a line longer than it doubles it.
  let buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(size, 1)));
  let held = 0;
  let base = 0;
  for (let position = 0; position < size;) {
    if (held === buffer.length) {
      const grown = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(grown, 0, 0, held);
      buffer = grown;
    }
    const { bytesRead } = await fh.read(buffer, held, Math.min(buffer.length - held, size - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
    held += bytesRead;
    const complete = position >= size ? held : buffer.lastIndexOf(0x0a, held - 1) + 1;
    if (complete === 0) continue;
    fn(buffer.subarray(0, complete), base);
    base += complete;
    buffer.copy(buffer, 0, complete, held);
    held -= complete;
  }
  if (held > 0) fn(buffer.subarray(0, held), base);
}

function sortByCreation(entries: JournalEntry[]): JournalEntry[] {
  const keyed = entries.map((entry) => ({ entry, ms: createdMs(entry) }));
  keyed.sort((a, b) => a.ms - b.ms || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0));
  return keyed.map((k) => k.entry);
}

/** What `veo list --limit` shows: the newest entries that pass a filter, without reading every line in full. */
export interface RecentEntries {
  /** Oldest first, like load(). */
  entries: JournalEntry[];
  /** How many tasks the journal holds in all. */
  total: number;
  /** From the summary: line and problem, with an empty text. */
  damaged: DamagedRecord[];
  /** Damaged lines beyond those listed (only the first ones are kept in the summary). */
  moreDamaged: number;
  /** Every open create intent, oldest first, as load() gives them. */
  intents: CreateIntent[];
}

/** What the reminders after each command need, from the summary alone. */
export interface Glance {
  /** Finished videos not saved whose link dies within the time asked, soonest first. */
  expiring: ExpiringVideo[];
  /** Open create intents, oldest first. */
  intents: CreateIntent[];
}

export interface ExpiringVideo {
  id: string;
  expiresAt: string;
}

export class Journal {
  readonly path: string;
  readonly #dir: string;
  readonly #lockPath: string;
  readonly #summaryPath: string;
  readonly #now: () => number;
  readonly #compactAtBytes: number;
  readonly #lockTimeoutMs: number;
  readonly #redact: ((text: string) => string) | undefined;

  constructor(dir: string, options: JournalOptions = {}) {
    this.#dir = resolve(dir);
    this.path = join(this.#dir, JOURNAL_FILE);
    this.#lockPath = join(this.#dir, JOURNAL_LOCK_FILE);
    this.#summaryPath = join(this.#dir, SUMMARY_FILE);
    this.#now = options.now ?? Date.now;
    this.#compactAtBytes = options.compactAtBytes ?? 1024 * 1024;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.#redact = options.redact;
  }

  /** Appends a partial update; undefined fields change nothing. Resolves once the line is written and synced. */
  async record(patch: JournalPatch): Promise<void> {
    const { updatedAt: _updatedAt, ...given } = patch as JournalPatch & { at?: unknown };
    const fields = this.#redact ? (redactStrings(given, this.#redact) as typeof given) : given;
    const checked = checkPatch({ ...fields, at: 0 });
    if ('problem' in checked)
      throw new Error(`invalid journal record for task ${String(patch.id)}: ${checked.problem}`);
    const line = checked.patch;
    await this.#locked(() => {
      line.at = this.#now();
      if (line.doneAt !== undefined) line.expiresAt ??= linkExpiry(line.doneAt);
      return this.#appendLine(serializePatch(line));
    });
  }

  /**
   * Records (or updates) a create intent. Written before a create request leaves the machine, so that a task the
   * service may bill is never known only to a process that can die.
   */
  async recordIntent(update: IntentUpdate): Promise<void> {
    const { updatedAt: _updatedAt, ...given } = update as IntentUpdate & { updatedAt?: unknown };
    const fields = this.#redact ? (redactStrings(given, this.#redact) as typeof given) : given;
    const checked = checkIntent({ ...fields, at: 0 });
    if ('problem' in checked) throw new Error(`invalid journal record for intent ${update.intent}: ${checked.problem}`);
    const line = checked.intent;
    await this.#locked(() => {
      line.at = this.#now();
      return this.#appendLine(serializeIntent(line));
    });
  }

  /** Proves the journal can be written now (folder, lock, file) without adding anything to it. */
  async checkWritable(): Promise<void> {
    await this.#locked(async () => {
      const fh = await openNoFollow(this.path, APPEND);
      await fh.close();
    });
  }

  /** Runs `fn` holding the journal's lock: what other veo processes decide under it cannot interleave with `fn`. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#locked(fn);
  }

  /** Rewrites the journal as one line per task now, whatever its size (normally done as it grows). */
  async compact(): Promise<void> {
    await this.#locked(() => this.#compact(true));
  }

  get dir(): string {
    return this.#dir;
  }

  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      return await withLock(this.#lockPath, this.#lockTimeoutMs, fn);
    } catch (err) {
      // Errors without a code are ours (a lock held too long) and already name their file, as does a link refused.
      if (err instanceof JournalLinkError || errorCode(err) === undefined) throw err;
      throw failure(`cannot write the task journal ${this.path}`, err);
    }
  }

  async #read(): Promise<Buffer | undefined> {
    try {
      return await readNoFollow(this.path);
    } catch (err) {
      if (err instanceof JournalLinkError) throw err;
      throw failure(`cannot read the task journal ${this.path}`, err);
    }
  }

  /** Every entry, oldest first, the lines that could not be read, and open intents. A missing journal is empty. */
  async load(): Promise<LoadedJournal> {
    const bytes = await this.#read();
    if (bytes === undefined) return { entries: [], damaged: [], intents: [] };
    const { states, intents, damaged } = parseJournal(bytes);
    const entries = sortByCreation([...states.values()].map(toEntry));
    return {
      entries,
      damaged: damaged.map(({ line, text, problem }) => ({ line, text, problem })),
      intents: openIntents(states, intents).map(toIntent),
    };
  }

  /** One task, found by searching the journal's bytes for its id and parsing only the lines that hold it. */
  async get(id: string): Promise<JournalEntry | undefined> {
    const fh = await this.#openForReading();
    if (fh === undefined) return undefined;
    const needle = Buffer.from(id);
    let state: Patch | undefined;
    try {
      await eachChunk(fh, (await fh.stat()).size, (bytes) => {
        let lineEnd = -1;
        for (let hit = bytes.indexOf(needle); hit !== -1; hit = bytes.indexOf(needle, lineEnd + 1)) {
          const start = bytes.lastIndexOf(0x0a, hit) + 1;
          const nl = bytes.indexOf(0x0a, hit);
          lineEnd = nl === -1 ? bytes.length : nl;
          visitLines(bytes.subarray(start, lineEnd), {
            patch: (patch) => {
              if (patch.id === id) state = mergePatch(state, patch);
            },
          });
        }
      });
    } finally {
      await fh.close();
    }
    return state === undefined ? undefined : toEntry(state);
  }

  /**
   * The newest `limit` entries that `accept` keeps, oldest first, as load() would order them. Lines this version
   * wrote are only scanned for their id and createdAt; just the lines of the entries shown are parsed in full.
   */
  async recent(limit: number, accept: (entry: JournalEntry) => boolean = () => true): Promise<RecentEntries> {
    const fh = await this.#openForReading();
    if (fh === undefined) return { entries: [], total: 0, damaged: [], moreDamaged: 0, intents: [] };
    try {
      const current = await this.#upToDate(fh);
      const size = (await fh.stat()).size;
      // One slot per task: its sort key (createdAt, else the time in its id) and where its lines are.
      const ids = new TaskIds(Math.ceil(size / 256));
      const keys: number[] = [];
      const lines: number[][] = [];
      const add = (slot: number, created: number, start: number, end: number): void => {
        if (slot === keys.length) {
          keys.push(Number.NaN);
          lines.push([start, end]);
        } else (lines[slot] as number[]).push(start, end);
        if (created >= 0) keys[slot] = created;
      };
      // In chunks, so that memory does not grow with the journal.
      await eachChunk(fh, size, (bytes, base) =>
        scanLines(bytes, (start, end, idAt, created) => {
          if (idAt >= 0) return add(ids.slot(bytes, idAt), created, base + start, base + end);
          visitLines(bytes.subarray(start, end), {
            patch: (patch) =>
              add(
                ids.slot(Buffer.from(patch.id, 'latin1'), 0),
                patch.createdAt === undefined ? NO_DATE : Date.parse(patch.createdAt),
                base + start,
                base + end,
              ),
          });
        }),
      );
      const order = keys.map((_, slot) => slot);
      for (let slot = 0; slot < keys.length; slot++) {
        if (Number.isNaN(keys[slot])) keys[slot] = ids.idTime(slot);
      }
      const key = (slot: number): number => keys[slot] as number;
      order.sort((a, b) => key(b) - key(a) || ids.compare(b, a));
      const shown: JournalEntry[] = [];
      for (const slot of order) {
        if (shown.length >= limit) break;
        let state: Patch | undefined;
        const at = lines[slot] as number[];
        for (let k = 0; k < at.length; k += 2) {
          const start = at[k] as number;
          visitLines(await readAt(fh, start, (at[k + 1] as number) - start), {
            patch: (patch) => (state = mergePatch(state, patch)),
          });
        }
        if (state === undefined) continue;
        const entry = toEntry(state);
        if (accept(entry)) shown.push(entry);
      }
      const { summary, pending } = current;
      return {
        entries: sortByCreation(shown),
        total: ids.size,
        damaged: [...summary.damaged.map(({ line, problem }) => ({ line, problem, text: '' })), ...pending],
        moreDamaged: summary.damagedCount - summary.damaged.length,
        intents: openIntentsOf(summary).map(toIntent),
      };
    } finally {
      await fh.close();
    }
  }

  /** What the reminders need: never reads the whole journal, only its summary (caught up if behind). */
  async glance(withinMs: number): Promise<Glance> {
    const fh = await this.#openForReading();
    if (fh === undefined) return { expiring: [], intents: [] };
    try {
      const { summary } = await this.#upToDate(fh);
      return {
        expiring: expiringFrom(summary, withinMs, this.#now()).map(({ id, expiresAt }) => ({
          id,
          expiresAt: new Date(expiresAt).toISOString(),
        })),
        intents: openIntentsOf(summary).map(toIntent),
      };
    } finally {
      await fh.close();
    }
  }

  /** Finished videos not saved whose link dies within `withinMs`, soonest first. */
  async expiring(withinMs: number): Promise<ExpiringVideo[]> {
    return (await this.glance(withinMs)).expiring;
  }

  async #openForReading(): Promise<FileHandle | undefined> {
    let fh: FileHandle;
    try {
      fh = await openNoFollow(this.path, READ);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      if (err instanceof JournalLinkError) throw err;
      throw failure(`cannot read the task journal ${this.path}`, err);
    }
    const info = await fh.stat().catch(() => undefined);
    if (info?.isFile()) return fh;
    await fh.close();
    throw failure(`cannot read the task journal ${this.path}`, new Error('not a regular file'));
  }

  /** The summary of the journal open as `fh`, caught up; written back when it changed (a cache: best effort). */
  async #upToDate(fh: FileHandle): Promise<Current> {
    const current = await bringUpToDate(await readSummary(this.#summaryPath), fh, this.#now());
    if (current.changed) {
      // Not if a compaction has replaced the journal meanwhile: this summary would only be rebuilt again.
      const now = await stat(this.path).catch(() => undefined);
      if (now?.ino === current.summary.ino)
        await writeSummary(this.#summaryPath, current.summary).catch(() => undefined);
    }
    return current;
  }

  async #appendLine(serialized: string): Promise<void> {
    const fh = await openNoFollow(this.path, APPEND);
    let summary: Summary | undefined;
    let size: number;
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
      // A file that is not ours alone (created by hand, or under a loose umask) is made so.
      if ((st.mode & 0o777) !== 0o600) await fh.chmod(0o600);
      // After a torn write the file does not end with '\n'; without one the new line would be
      // glued to the torn one and lost with it.
      const fence = st.size > 0 && (await readAt(fh, st.size - 1, 1))[0] !== 0x0a ? '\n' : '';
      const line = Buffer.from(`${fence}${serialized}\n`);
      try {
        await writeAll(fh, line);
        await fh.datasync();
      } catch (err) {
        // Nobody else appends while we hold the lock: cut our partial line rather than leave a damaged one.
        await fh.truncate(st.size).catch(() => undefined);
        throw err;
      }
      size = st.size + line.length;
      if (st.size === 0) await syncDir(this.#dir);
      // The line is safely written: from here on a failure leaves a valid journal and, at worst, a summary behind.
      summary = await bringUpToDate(await readSummary(this.#summaryPath), fh, this.#now()).then(
        (c) => c.summary,
        () => undefined,
      );
    } finally {
      await fh.close();
    }
    if (summary === undefined) return;
    // Amortised: a compaction reads the whole journal, so it waits until the journal has doubled since the last.
    if (size > this.#compactAtBytes && size >= 2 * summary.base)
      await this.#compact(false, summary).catch(() => undefined);
    else await writeSummary(this.#summaryPath, summary).catch(() => undefined);
  }

  /** Called holding the lock. `force`: rewrite even when it would not halve the file. */
  async #compact(force: boolean, summary?: Summary): Promise<void> {
    const bytes = await readNoFollow(this.path);
    if (bytes === undefined) return;
    const { states, intents, damaged, lines } = parseJournal(bytes);
    const unsettled = openIntents(states, intents);
    // A rewrite that would not halve the file is not worth it; the next attempt waits until it has doubled.
    if (!force && (states.size + unsettled.length + damaged.length) * 2 > lines) {
      if (summary !== undefined) await writeSummary(this.#summaryPath, { ...summary, base: bytes.length });
      return;
    }
    const newline = Buffer.from('\n');
    // Settled intents are dropped: the task line that completed one names it.
    const parts = [
      ...damaged.map((d) => d.raw),
      ...unsettled.map((i) => Buffer.from(serializeIntent(i))),
      ...[...states.values()].map((s) => Buffer.from(serializePatch(s))),
    ];
    const data = Buffer.concat(parts.flatMap((p) => [p, newline]));

    await this.#removeLeftovers();
    const temp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await openNoFollow(temp, CREATE_NEW);
    let st;
    try {
      await writeAll(fh, data);
      await fh.sync();
      st = await fh.stat();
      await fh.close();
      await rename(temp, this.path);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await syncDir(this.#dir);
    // Damaged lines now come first, each ending with a newline: their problems as a later read will state them.
    const moved: DamagedRecord[] = [];
    visitLines(Buffer.concat(damaged.flatMap((d) => [d.raw, newline])), { damaged: (d) => moved.push(d) });
    const fresh = summaryOf(st, data, parts.length, moved, watchOf(states.values(), this.#now()), unsettled);
    await writeSummary(this.#summaryPath, fresh).catch(() => undefined);
  }

  // Only a lock holder compacts, so a journal or summary temp file here was left by a process that crashed; a lock
  // temp file lives for microseconds unless its process was killed.
  async #removeLeftovers(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.#dir)) {
      if (!name.endsWith('.tmp')) continue;
      const path = join(this.#dir, name);
      if (name.startsWith(`${JOURNAL_FILE}.`) || name.startsWith(`${SUMMARY_FILE}.`)) {
        await unlink(path).catch(() => undefined);
      } else if (name.startsWith(`${JOURNAL_LOCK_FILE}.`)) {
        const info = await stat(path).catch(() => undefined);
        if (info !== undefined && now - info.mtimeMs > 60_000) await unlink(path).catch(() => undefined);
      }
    }
  }
}
