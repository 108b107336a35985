// Reading a few tasks of a long journal without parsing it all: `veo result <id>` searches the bytes for the id;
// `veo list --limit` scans every line only for its id and createdAt and parses just the lines of the entries shown,
// so the cost follows what is shown rather than what is kept.
import type { FileHandle } from 'node:fs/promises';
import { eachChunk, readAt } from './journal-files.js';
import type { Patch } from './journal-format.js';
import { NO_DATE, scanLines, visitLines } from './journal-lines.js';
import { mergePatch } from './journal-merge.js';
import { TaskIds } from './journal-ids.js';
import { sortByCreation, toEntry, toIntent } from './journal-states.js';
import { openIntentsOf, type Current } from './journal-summary.js';
import type { JournalEntry, RecentEntries } from './journal-types.js';

/** Where each task's lines are and its sort key (createdAt, else the time in its id), one slot per task. */
interface TaskIndex {
  ids: TaskIds;
  keys: number[];
  lines: number[][];
}

async function indexTasks(fh: FileHandle, size: number): Promise<TaskIndex> {
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
  for (let slot = 0; slot < keys.length; slot++) {
    if (Number.isNaN(keys[slot])) keys[slot] = ids.idTime(slot);
  }
  return { ids, keys, lines };
}

async function readTask(fh: FileHandle, at: number[]): Promise<Patch | undefined> {
  let state: Patch | undefined;
  for (let k = 0; k < at.length; k += 2) {
    const start = at[k] as number;
    visitLines(await readAt(fh, start, (at[k + 1] as number) - start), {
      patch: (patch) => (state = mergePatch(state, patch)),
    });
  }
  return state;
}

/** The newest `limit` entries that `accept` keeps, oldest first, with what the summary `current` knows. */
export async function recentEntries(
  fh: FileHandle,
  current: Current,
  limit: number,
  accept: (entry: JournalEntry) => boolean,
): Promise<RecentEntries> {
  const { ids, keys, lines } = await indexTasks(fh, (await fh.stat()).size);
  const key = (slot: number): number => keys[slot] as number;
  const order = keys.map((_, slot) => slot);
  order.sort((a, b) => key(b) - key(a) || ids.compare(b, a));
  const shown: JournalEntry[] = [];
  for (const slot of order) {
    if (shown.length >= limit) break;
    const state = await readTask(fh, lines[slot] as number[]);
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
}

/** One task, found by searching the journal's bytes for its id and parsing only the lines that hold it. */
export async function findTask(fh: FileHandle, id: string): Promise<JournalEntry | undefined> {
  const needle = Buffer.from(id);
  let state: Patch | undefined;
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
  return state === undefined ? undefined : toEntry(state);
}
