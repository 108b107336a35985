// Compaction: the merged state of every task rewritten to a temp file, synced and renamed over the journal, so a
// reader sees either the old file or the new one. Only a lock holder compacts; damaged lines are carried over byte
// for byte, because nothing recorded may be dropped without a person deciding so.
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readNoFollow, syncDir } from './journal-files.js';
import { replacePrivateFile } from './private-files.js';
import { serializeIntent, serializePatch, type DamagedRecord } from './journal-format.js';
import { parseJournal, visitLines } from './journal-lines.js';
import { openIntents } from './journal-states.js';
import { summaryOf, SUMMARY_FILE, watchOf, writeSummary, type Summary } from './journal-summary.js';

export const JOURNAL_FILE = 'journal.jsonl';
export const JOURNAL_LOCK_FILE = 'journal.lock';

export interface JournalPaths {
  dir: string;
  path: string;
  summaryPath: string;
}

/** Called holding the lock. `force`: rewrite even when it would not halve the file. */
export async function compactJournal(
  files: JournalPaths,
  nowMs: number,
  force: boolean,
  summary?: Summary,
): Promise<void> {
  const bytes = await readNoFollow(files.path);
  if (bytes === undefined) return;
  const { states, intents, damaged, lines } = parseJournal(bytes);
  const unsettled = openIntents(states, intents);
  // A rewrite that would not halve the file is not worth it; the next attempt waits until it has doubled.
  if (!force && (states.size + unsettled.length + damaged.length) * 2 > lines) {
    if (summary !== undefined) await writeSummary(files.summaryPath, { ...summary, base: bytes.length });
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

  await removeLeftovers(files.dir);
  const st = await replacePrivateFile(files.path, data, true);
  await syncDir(files.dir);
  // Damaged lines now come first, each ending with a newline: their problems as a later read will state them.
  const moved: DamagedRecord[] = [];
  visitLines(Buffer.concat(damaged.flatMap((d) => [d.raw, newline])), { damaged: (d) => moved.push(d) });
  const fresh = summaryOf(st, data, parts.length, moved, watchOf(states.values(), nowMs), unsettled);
  await writeSummary(files.summaryPath, fresh).catch(() => undefined);
}

// Only a lock holder compacts, so a journal or summary temp file here was left by a process that crashed; a lock
// temp file lives for microseconds unless its process was killed.
async function removeLeftovers(dir: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    if (name.startsWith(`${JOURNAL_FILE}.`) || name.startsWith(`${SUMMARY_FILE}.`)) {
      await unlink(path).catch(() => undefined);
    } else if (name.startsWith(`${JOURNAL_LOCK_FILE}.`)) {
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && now - info.mtimeMs > 60_000) await unlink(path).catch(() => undefined);
    }
  }
}
