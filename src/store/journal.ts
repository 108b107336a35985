// Storage: journal.jsonl holds one JSON patch per line, {"id", "at", ...fields}; load merges them by id
// in file order. Appends never touch earlier bytes, so a crash leaves at worst a torn last line, which the
// next append fences off with a '\n' and load reports as damaged. Every writer holds journal.lock, so a
// compaction (merged state to a temp file, fsync, rename over) cannot lose an append made to the file it
// replaces. Damaged lines pass through compaction byte for byte and are reported by every load until a
// person repairs or deletes them: nothing recorded is ever dropped silently.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  checkIntent,
  checkPatch,
  mergePatch,
  parseJournal,
  serializeIntent,
  serializePatch,
  type DamagedRecord,
  type IntentPatch,
  type IntentState,
  type Patch,
} from './journal-format.js';
import { errorCode, withLock } from './journal-lock.js';
import type { ProcessIdentity } from './process-identity.js';

export type { DamagedRecord, IntentState } from './journal-format.js';

export const LINK_TTL_MS = 48 * 3600 * 1000;
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
  /** Compact once the file is larger than this (default 1 MiB). */
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

export function linkExpiry(doneAt: Date | string): string {
  const ms = new Date(doneAt).getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${String(doneAt)}`);
  return new Date(ms + LINK_TTL_MS).toISOString();
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
  const { at, ...fields } = state;
  return { ...fields, updatedAt: new Date(at).toISOString() } as JournalEntry;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  for (let written = 0; written < data.length;) {
    written += (await fh.write(data, written, data.length - written)).bytesWritten;
  }
}

// Makes a new or renamed directory entry survive a power cut; not possible on every platform.
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (fh === undefined) return;
  await fh.sync().catch(() => undefined);
  await fh.close();
}

export class Journal {
  readonly path: string;
  readonly #dir: string;
  readonly #lockPath: string;
  readonly #now: () => number;
  readonly #compactAtBytes: number;
  readonly #lockTimeoutMs: number;
  readonly #redact: ((text: string) => string) | undefined;

  constructor(dir: string, options: JournalOptions = {}) {
    this.#dir = resolve(dir);
    this.path = join(this.#dir, JOURNAL_FILE);
    this.#lockPath = join(this.#dir, JOURNAL_LOCK_FILE);
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
    await this.#locked(() => this.#append(checked.patch));
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
    await this.#locked(() => this.#appendIntent(checked.intent));
  }

  /** Proves the journal can be written now (folder, lock, file) without adding anything to it. */
  async checkWritable(): Promise<void> {
    await this.#locked(async () => {
      const fh = await open(this.path, 'a', 0o600);
      await fh.close();
    });
  }

  /** Runs `fn` holding the journal's lock: what other veo processes decide under it cannot interleave with `fn`. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#locked(fn);
  }

  get dir(): string {
    return this.#dir;
  }

  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      return await withLock(this.#lockPath, this.#lockTimeoutMs, fn);
    } catch (err) {
      // Errors without a code are ours (a lock held too long) and already name their file.
      throw errorCode(err) === undefined ? err : failure(`cannot write the task journal ${this.path}`, err);
    }
  }

  /** Every entry, oldest first, the lines that could not be read, and open intents. A missing journal is empty. */
  async load(): Promise<LoadedJournal> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return { entries: [], damaged: [], intents: [] };
      throw failure(`cannot read the task journal ${this.path}`, err);
    }
    const { states, intents, damaged } = parseJournal(bytes);
    const entries = [...states.values()].map(toEntry);
    entries.sort((a, b) => createdMs(a) - createdMs(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      entries,
      damaged: damaged.map(({ line, text, problem }) => ({ line, text, problem })),
      intents: openIntents(states, intents).map(toIntent),
    };
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    return (await this.load()).entries.find((e) => e.id === id);
  }

  async #appendIntent(intent: IntentPatch): Promise<void> {
    intent.at = this.#now();
    await this.#appendLine(() => serializeIntent(intent));
  }

  async #append(patch: Patch): Promise<void> {
    await this.#appendLine(async (fh, size) => {
      patch.at = this.#now();
      if (patch.doneAt !== undefined) patch.expiresAt ??= linkExpiry(patch.doneAt);
      else if (patch.status === 'done' || typeof patch.url === 'string') {
        // Under the lock, so exactly one process sees the task done first.
        const merged = mergePatch(parseJournal(await readAt(fh, 0, size)).states.get(patch.id), patch);
        if (merged.status === 'done' && typeof merged.url === 'string' && merged.url !== '' && !merged.doneAt) {
          patch.doneAt = new Date(patch.at).toISOString();
          patch.expiresAt = linkExpiry(patch.doneAt);
        }
      }
      return serializePatch(patch);
    });
  }

  async #appendLine(serialize: (fh: FileHandle, size: number) => string | Promise<string>): Promise<void> {
    const fh = await open(this.path, 'a+', 0o600);
    let size: number;
    try {
      const st = await fh.stat();
      // A file that is not ours alone (created by hand, or under a loose umask) is made so.
      if ((st.mode & 0o777) !== 0o600) await fh.chmod(0o600);
      const serialized = await serialize(fh, st.size);
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
    } finally {
      await fh.close();
    }
    // The line is safely written; a compaction that fails leaves a valid, merely longer, journal.
    if (size > this.#compactAtBytes) await this.#compact().catch(() => undefined);
  }

  async #compact(): Promise<void> {
    const { states, intents, damaged, lines } = parseJournal(await readFile(this.path));
    const unsettled = openIntents(states, intents);
    // A rewrite that would not halve the file is not worth it; this also keeps a journal of many
    // distinct tasks from being rewritten on every append.
    if ((states.size + unsettled.length + damaged.length) * 2 > lines) return;
    const newline = Buffer.from('\n');
    // Settled intents are dropped: the task line that completed one names it.
    const parts = [
      ...damaged.map((d) => d.raw),
      ...unsettled.map((i) => Buffer.from(serializeIntent(i))),
      ...[...states.values()].map((s) => Buffer.from(serializePatch(s))),
    ];
    const data = Buffer.concat(parts.flatMap((p) => [p, newline]));

    // Only a lock holder compacts, so any temp file here was left by a compaction that crashed.
    for (const name of await readdir(this.#dir)) {
      if (name.startsWith(`${JOURNAL_FILE}.`) && name.endsWith('.tmp'))
        await unlink(join(this.#dir, name)).catch(() => undefined);
    }
    const temp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(temp, 'wx', 0o600);
    try {
      await writeAll(fh, data);
      await fh.sync();
      await fh.close();
      await rename(temp, this.path);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await syncDir(this.#dir);
  }
}
