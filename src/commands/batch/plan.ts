import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fieldsOf, hasFields, type TemplateValues } from '../../task/name-template.js';
import { dependsOnTask, isInside, nameOf, planNames, type NamePlan } from '../../task/output-names.js';
import { taskPhase } from '../../api/status.js';
import type { VeoClient } from '../../api/client.js';
import type { BatchTag, CreateIntent, JournalEntry } from '../../store/journal.js';
import { expectedFile } from '../../store/saved-video.js';
import { intentView } from '../../task/intent-state.js';
import type { BatchItem, LineProblem } from './parse-file.js';
import { entryState } from '../../task/entry-state.js';
import type { Catalog } from '../../task/model-catalog.js';

export interface PlannedItem extends BatchItem {
  /** 1-based position among the items: the [3/20] of progress lines. */
  index: number;
  /** The absolute path of an item that names its output; others get a name from a template once the id is known. */
  target?: string;
  /** The template that names the item's video (the output-template, or an `output` with fields). */
  names?: NamePlan;
  /** The name the template gives before the create, when it does not depend on the task (no {id}, no {time}). */
  plannedPath?: string;
}

export { isInside };

/** What the journal keeps of a batch item: its key, folder and line, and for a variation its number and choices. */
export function batchTagOf(
  item: BatchItem,
  dir: string,
): Pick<BatchTag, 'key' | 'dir' | 'line' | 'variant' | 'choices' | 'template'> {
  if (!item.variation) return { key: item.key, dir, line: item.line };
  const { variant, choices, template } = item.variation;
  return { key: item.key, dir, line: item.line, variant, choices, template };
}

/** What an item's template knows of it. */
export function itemValues(item: BatchItem, more: Partial<TemplateValues> = {}): TemplateValues {
  return {
    prompt: item.prompt,
    model: item.model,
    ...(item.ar ? { ar: item.ar } : {}),
    n: item.line,
    variant: item.variation?.variant ?? 1,
    choices: item.variation?.choices ?? [],
    ...more,
  };
}

/**
 * Resolves each item's `output` against `dir`, or names it by the template; one that escapes the folder, or whose
 * name another item also gets, is refused before anything is paid. Names that hold {id} always differ; without
 * it, items whose names would differ only by {time} are refused too, since two clips can be made in one second.
 */
export function planOutputs(items: BatchItem[], names: NamePlan): { planned: PlannedItem[]; problems: LineProblem[] } {
  const dir = names.root;
  const problems: LineProblem[] = [];
  const owners = new Map<string, number>();
  const now = new Date();
  const planned = items.map((item, position): PlannedItem => {
    const plannedItem: PlannedItem = { ...item, index: position + 1 };
    if (item.output === undefined || hasFields(item.output)) {
      let plan = names;
      try {
        if (item.output !== undefined) plan = planNames(dir, item.output);
        plannedItem.names = plan;
        if (fieldsOf(plan.template).has('id')) return plannedItem;
        const name = nameOf(plan, itemValues(item, { created: now }));
        if (!name.ok) return plannedItem;
        if (!dependsOnTask(plan)) plannedItem.plannedPath = name.path;
        const owner = owners.get(name.path);
        if (owner !== undefined) {
          problems.push({
            line: item.line,
            message: `its video would get the same name as ${owner === item.line ? 'another variation of this line' : `line ${owner}`} (${basename(name.path)}); put {n}, {variant} or {id} in the output template`,
          });
        } else owners.set(name.path, item.line);
      } catch (error) {
        problems.push({ line: item.line, message: (error as Error).message });
      }
      return plannedItem;
    }
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
  // A clip its hooks moved away (an upload, an archive) was delivered: it is not fetched, nor hooked, again.
  if (entry.handedOffAt || (await stillThere(entry))) return { kind: 'saved', entry };
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
  /** How items without an `output` are named: below `dir`. */
  names: NamePlan;
  /** --max-cost in kopecks: what the new clips may cost in all. */
  maxCost?: number;
  /** max-items: how many new clips variations may make without --yes. */
  cap: number;
  /** When the journal behind `resumptions` was read (ms). */
  since: number;
  /** Create again the items whose earlier create was never confirmed. */
  retryUnconfirmed: boolean;
}
