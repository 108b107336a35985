// Which journaled tasks a gallery shows: --dir, --batch and --since narrow them, each on what the journal keeps.
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { JournalEntry } from '../../store/journal.js';
import { parseBatch } from '../batch/parse-file.js';
import { isInside } from '../batch/plan.js';
import { DEFAULT_MODEL } from '../shared/flags.js';
import { readTextSource } from '../shared/read-text.js';
import { clipMs } from './clips.js';

export interface Selection {
  /** Absolute, links resolved. */
  dir?: string;
  batch?: { file: string; keys: Set<string>; prompts: Set<string> };
  /** Only tasks made at or after this time, in ms. */
  sinceMs?: number;
}

/**
 * A batch file as the journal can recognise its items: their keys (computed with the default model and ratio)
 * and, for a run given --model or --ar, which changes every key, their prompts among batch-made tasks.
 */
export async function batchSelection(file: string, signal: AbortSignal): Promise<NonNullable<Selection['batch']>> {
  const text = await readTextSource(file, { signal });
  const { items } = parseBatch(text, { model: DEFAULT_MODEL });
  const real = await realpath(file).catch(() => resolve(file));
  return { file: real, keys: new Set(items.map((item) => item.key)), prompts: new Set(items.map((i) => i.prompt)) };
}

function inBatch(entry: JournalEntry, batch: NonNullable<Selection['batch']>): boolean {
  const tag = entry.batch;
  if (!tag) return false;
  if (tag.file === batch.file || batch.keys.has(tag.key)) return true;
  return entry.prompt !== undefined && batch.prompts.has(entry.prompt);
}

function inDir(entry: JournalEntry, dir: string): boolean {
  if (entry.savedPath) return isInside(dir, entry.savedPath);
  return (
    entry.batch?.dir === dir || (entry.unfinishedDownload !== undefined && isInside(dir, entry.unfinishedDownload))
  );
}

export function selected(entry: JournalEntry, selection: Selection): boolean {
  if (selection.sinceMs !== undefined && clipMs(entry) < selection.sinceMs) return false;
  if (selection.dir !== undefined && !inDir(entry, selection.dir)) return false;
  if (selection.batch && !inBatch(entry, selection.batch)) return false;
  return true;
}
