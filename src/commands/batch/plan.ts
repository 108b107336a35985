import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { taskPhase } from '../../api/status.js';
import type { VeoClient } from '../../api/client.js';
import type { CreateIntent, JournalEntry } from '../../store/journal.js';
import { expectedFile } from '../../store/saved-video.js';
import { intentView } from '../../task/intent-state.js';
import type { BatchItem, LineProblem } from './parse-file.js';
import { entryState } from '../../task/entry-state.js';
import type { Catalog } from '../../task/model-catalog.js';

export interface PlannedItem extends BatchItem {
  /** 1-based position among the items: the [3/20] of progress lines. */
  index: number;
  /** The absolute path of an item that names its output; others go to <dir>/<id>.mp4 once the id is known. */
  target?: string;
}

/** True when `path` is inside `dir` (and is not `dir` itself). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Resolves each item's `output` against `dir`; one that escapes it, or that another item also names, is refused. */
export function planOutputs(items: BatchItem[], dir: string): { planned: PlannedItem[]; problems: LineProblem[] } {
  const problems: LineProblem[] = [];
  const owners = new Map<string, number>();
  const planned = items.map((item, position): PlannedItem => {
    const plannedItem: PlannedItem = { ...item, index: position + 1 };
    if (item.output === undefined) return plannedItem;
    const target = resolve(dir, item.output);
    if (!isInside(dir, target)) {
      problems.push({ line: item.line, message: `output "${item.output}" is outside the output folder ${dir}` });
      return plannedItem;
    }
    const owner = owners.get(target);
    if (owner !== undefined) {
      problems.push({ line: item.line, message: `output "${item.output}" is also the output of line ${owner}` });
    } else owners.set(target, item.line);
    plannedItem.target = target;
    return plannedItem;
  });
  return { planned, problems };
}

/** What an earlier (or a concurrent) run left for an item, from the journal entry or intent its batch tag names. */
export type Resumption =
  | { kind: 'new' }
  | { kind: 'saved'; entry: JournalEntry }
  | { kind: 'failed'; entry: JournalEntry }
  | { kind: 'expired'; entry: JournalEntry }
  | { kind: 'resume'; entry: JournalEntry }
  /** A create was sent and its answer never came: the task may exist, and be billed. */
  | { kind: 'unconfirmed'; intent: CreateIntent }
  /** Another veo, still running, is creating it right now. */
  | { kind: 'elsewhere'; intent: CreateIntent };

/**
 * The newest task each key of this batch created into `dir`. An item is the same item wherever its file lives:
 * its key (the clip it asks for) and the folder it goes to decide. Entries of older versions, tagged with the
 * file instead of the folder, still match when the file is the same.
 */
export function tasksByKey(entries: JournalEntry[], dir: string, file: string): Map<string, JournalEntry> {
  const byKey = new Map<string, JournalEntry>();
  for (const entry of entries) {
    const tag = entry.batch;
    if (tag && (tag.dir === dir || (tag.dir === undefined && tag.file === file))) byKey.set(tag.key, entry);
  }
  return byKey;
}

export function intentsByKey(intents: CreateIntent[], dir: string): Map<string, CreateIntent> {
  const byKey = new Map<string, CreateIntent>();
  for (const intent of intents) if (intent.batch?.dir === dir) byKey.set(intent.batch.key, intent);
  return byKey;
}

// Deliberately not `stillSaved`: a re-run of a large batch looks at every item it saved before, and hashing each
// of those videos again would make a re-run read gigabytes to skip work. The size (and that it is a file) is
// what a re-run trusts; `sync` and `download`, which handle one video or an explicit sweep, check the hash.
async function stillThere(entry: JournalEntry): Promise<boolean> {
  if (!entry.savedPath) return false;
  try {
    const info = await stat(entry.savedPath);
    const { bytes } = expectedFile(entry);
    return info.isFile() && (bytes === undefined || info.size === bytes);
  } catch {
    return false;
  }
}

export async function resumptionOf(entry: JournalEntry | undefined, intent?: CreateIntent): Promise<Resumption> {
  if (!entry) {
    if (!intent) return { kind: 'new' };
    return intentView(intent) === 'creating' ? { kind: 'elsewhere', intent } : { kind: 'unconfirmed', intent };
  }
  if (await stillThere(entry)) return { kind: 'saved', entry };
  if (taskPhase({ status: entry.status ?? 'idle', url: entry.url ?? null }) === 'failed')
    return { kind: 'failed', entry };
  // A video saved and since deleted can be fetched again while its link lives.
  if (entryState({ ...entry, savedPath: undefined }) === 'expired') return { kind: 'expired', entry };
  return { kind: 'resume', entry };
}

/** A batch file read, checked and matched against the journal: everything a run or a dry run needs. */
export interface PreparedBatch {
  planned: PlannedItem[];
  /** What earlier runs did, item by item. */
  resumptions: Resumption[];
  catalog: Catalog;
  client: VeoClient | undefined;
  /** The batch file as an absolute path, or 'stdin': only to recognise entries of older versions. */
  file: string;
  dir: string;
  /** When the journal behind `resumptions` was read (ms). */
  since: number;
  /** Create again the items whose earlier create was never confirmed. */
  retryUnconfirmed: boolean;
}
