// Storage: journal.jsonl holds one JSON patch per line, {"id", "at", ...fields}; load merges them by id
// in file order. Appends never touch earlier bytes, so a crash leaves at worst a torn last line, which the
// next append fences off with a '\n' and load reports as damaged. Every writer holds journal.lock, so a
// compaction (merged state to a temp file, fsync, rename over) cannot lose an append made to the file it
// replaces. Damaged lines pass through compaction byte for byte and are reported by every load until a
// person repairs or deletes them: nothing recorded is ever dropped silently.
// Cost: an append reads nothing of the journal but its last byte (and the bytes its summary does not cover yet,
// normally just the line it wrote); what every command needs (the expiry reminder) comes from the summary
// (journal-summary.ts); compaction waits until the journal has doubled since the last one.
import { stat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compactJournal, JOURNAL_FILE, JOURNAL_LOCK_FILE, type JournalPaths } from './journal-compact.js';
import { AppendQueue } from './journal-queue.js';
import {
  APPEND,
  errorCode,
  failure,
  JournalLinkError,
  openJournalForReading,
  openNoFollow,
  readAt,
  readNoFollow,
  syncDir,
  writeAll,
} from './journal-files.js';
import { checkIntent, checkPatch, serializeIntent, serializePatch, type IntentPatch } from './journal-format.js';
import { parseJournal } from './journal-lines.js';
import { linkExpiry } from './journal-merge.js';
import { withLock } from './journal-lock.js';
import { makeFilePrivate, makePrivateDir } from './private-files.js';
import { findTask, recentEntries } from './journal-lookup.js';
import { openIntents, redactStrings, sortByCreation, toEntry, toIntent } from './journal-states.js';
import {
  bringUpToDate,
  expiringFrom,
  openIntentsOf,
  readSummary,
  SUMMARY_FILE,
  writeSummary,
  type Current,
  type Summary,
} from './journal-summary.js';
import type {
  ExpiringVideo,
  Glance,
  IntentUpdate,
  JournalEntry,
  JournalOptions,
  JournalPatch,
  LoadedJournal,
  RecentEntries,
} from './journal-types.js';

export type { DamagedRecord, IntentState } from './journal-format.js';
export type * from './journal-types.js';
export { JournalLinkError } from './journal-files.js';
export { LINK_TTL_MS } from './journal-format.js';
export { linkExpiry } from './journal-merge.js';
export { JOURNAL_FILE, JOURNAL_LOCK_FILE } from './journal-compact.js';

export class Journal {
  readonly path: string;
  readonly #dir: string;
  readonly #lockPath: string;
  readonly #summaryPath: string;
  readonly #now: () => number;
  readonly #compactAtBytes: number;
  readonly #lockTimeoutMs: number;
  readonly #redact: ((text: string) => string) | undefined;
  readonly #appends = new AppendQueue((lines) => this.#locked(() => this.#appendLines(lines())));

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
    await this.#appends.add(() => {
      line.at = this.#now();
      if (line.doneAt !== undefined) line.expiresAt ??= linkExpiry(line.doneAt);
      return serializePatch(line);
    });
  }

  /**
   * Records (or updates) a create intent. Written before a create request leaves the machine, so that a task the
   * service may bill is never known only to a process that can die.
   */
  async recordIntent(update: IntentUpdate): Promise<void> {
    const line = this.#intentLine(update);
    await this.#appends.add(() => serializeIntent({ ...line, at: this.#now() }));
  }

  /**
   * Records a create intent only if `allow`, shown the journal as it is under the writers' lock, does not throw:
   * a check of what is spent then sees every create already under way, here or in another process, and no two
   * creates can pass it on the same room. A refusal is passed on as it is, not worded as an unwritable journal.
   */
  async recordIntentIf(update: IntentUpdate, allow: (journal: LoadedJournal) => void | Promise<void>): Promise<void> {
    const line = this.#intentLine(update);
    const refusal = await this.#locked(async () => {
      const refused = await this.load()
        .then(allow)
        .then(
          () => undefined,
          (error: unknown) => ({ error }),
        );
      if (!refused) await this.#appendLines([serializeIntent({ ...line, at: this.#now() })]);
      return refused;
    });
    if (refusal) throw refusal.error;
  }

  #intentLine(update: IntentUpdate): IntentPatch {
    const { updatedAt: _updatedAt, ...given } = update as IntentUpdate & { updatedAt?: unknown };
    const fields = this.#redact ? (redactStrings(given, this.#redact) as typeof given) : given;
    const checked = checkIntent({ ...fields, at: 0 });
    if ('problem' in checked) throw new Error(`invalid journal record for intent ${update.intent}: ${checked.problem}`);
    return checked.intent;
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
      await makePrivateDir(this.#dir);
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
    try {
      return await findTask(fh, id);
    } finally {
      await fh.close();
    }
  }

  /**
   * The newest `limit` entries that `accept` keeps, oldest first, as load() would order them. Lines this version
   * wrote are only scanned for their id and createdAt; just the lines of the entries shown are parsed in full.
   */
  async recent(limit: number, accept: (entry: JournalEntry) => boolean = () => true): Promise<RecentEntries> {
    const fh = await this.#openForReading();
    if (fh === undefined) return { entries: [], total: 0, damaged: [], moreDamaged: 0, intents: [] };
    try {
      return await recentEntries(fh, await this.#upToDate(fh), limit, accept);
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

  #openForReading(): Promise<FileHandle | undefined> {
    return openJournalForReading(this.path);
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

  async #appendLines(serialized: string[]): Promise<void> {
    if (serialized.length === 0) return;
    const fh = await openNoFollow(this.path, APPEND);
    let summary: Summary | undefined;
    let size: number;
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
      await makeFilePrivate(fh, st.mode);
      // After a torn write the file does not end with '\n'; without one the new line would be
      // glued to the torn one and lost with it.
      const fence = st.size > 0 && (await readAt(fh, st.size - 1, 1))[0] !== 0x0a ? '\n' : '';
      const line = Buffer.from(`${fence}${serialized.join('\n')}\n`);
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
  #compact(force: boolean, summary?: Summary): Promise<void> {
    const files: JournalPaths = { dir: this.#dir, path: this.path, summaryPath: this.#summaryPath };
    return compactJournal(files, this.#now(), force, summary);
  }
}
