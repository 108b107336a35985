// Where each batch item stands: its result for the report, and what an earlier (or a concurrent) run left for it.
import type { VeoClient } from '../../api/client.js';
import type { ErrorKind } from '../../core/errors.js';
import { EXIT_CODES } from '../../core/exit-codes.js';
import type { Journal } from '../../store/journal.js';
import type { ProgressBoard } from '../../ui/live-lines.js';
import type { WaitTiming } from '../../task/wait-and-save.js';
import type { PlannedItem, Resumption } from './plan.js';
import type { NamePlan } from '../../task/output-names.js';

export type ItemStatus =
  | 'saved'
  | 'already-saved'
  | 'failed'
  | 'pending'
  | 'not-created'
  /** A create was sent in an earlier run and never answered: not created again without --retry-unconfirmed. */
  | 'unconfirmed';

/** One item of the `--json` array. */
export interface ItemResult {
  line: number;
  prompt: string;
  id: string | null;
  status: ItemStatus;
  path?: string;
  error?: { code: string; message: string; exitCode: number };
}

export interface Tracked {
  item: PlannedItem;
  result: ItemResult;
  /** Set for every item that counts against the exit code. */
  kind?: ErrorKind;
  /** Failed in an earlier run and not created again. */
  earlier?: boolean;
  /** The unconfirmed intent of an earlier run, to be dismissed when the item is created again. */
  unconfirmed?: string;
  /** A file an earlier run saved for this item that no longer matches what it journaled. */
  changedFile?: string;
  /** Another live veo was creating it when the plan was made: what it did is read again once the item is ours. */
  elsewhere?: boolean;
  /** Listeners have heard how the item ended: once per item. */
  told?: boolean;
}

export interface RunSettings extends WaitTiming {
  client: VeoClient;
  journal: Journal;
  board: ProgressBoard;
  /** The batch file as an absolute path, or 'stdin': only to recognise entries of older versions. */
  file: string;
  dir: string;
  /** How items without an `output` are named. */
  names: NamePlan;
  /** Write <name>.info.json beside each video. */
  infoJson: boolean;
  force: boolean;
  concurrency: number;
  /** The command that picks the batch up again, for hints. */
  resume: string;
  /** When the journal the plan was made from was read. */
  since: number;
  retryUnconfirmed: boolean;
  /** Whether saved videos get the prompt and settings embedded. */
  embed: boolean;
  /** Items another veo holds are waited for until then (ms), for the whole run rather than item by item. */
  waitDeadline: number;
}

/** A create refused before it was sent made no task; one sent and never answered may have (and be billed). */
export function refusedBeforeSending(tracked: Tracked): boolean {
  const { status, id, error } = tracked.result;
  return status === 'failed' && !id && error?.code !== 'CREATE_UNCONFIRMED';
}

export function fail(tracked: Tracked, kind: ErrorKind, code: string, message: string): void {
  tracked.kind = kind;
  tracked.result.status = 'failed';
  tracked.result.error = { code, message, exitCode: EXIT_CODES[kind] };
}

const UNCONFIRMED_MESSAGE =
  'a create was sent for it and its answer never came: a task may exist (and be billed). Check the GPTunnel dashboard; --retry-unconfirmed creates it again';

/** The starting point of an item: what an earlier run of the same batch already did for it. */
export function startFrom(item: PlannedItem, resumption: Resumption, retryUnconfirmed = false): Tracked {
  const result: ItemResult = { line: item.line, prompt: item.prompt, id: null, status: 'not-created' };
  const tracked: Tracked = { item, result };
  if (resumption.kind === 'new') return tracked;
  if (resumption.kind === 'elsewhere') {
    tracked.elsewhere = true;
    return tracked;
  }
  if (resumption.kind === 'unconfirmed') {
    if (retryUnconfirmed) tracked.unconfirmed = resumption.intent.intent;
    else {
      tracked.kind = 'network';
      result.status = 'unconfirmed';
      result.error = { code: 'CREATE_UNCONFIRMED', message: UNCONFIRMED_MESSAGE, exitCode: EXIT_CODES.network };
    }
    return tracked;
  }
  result.id = resumption.entry.id;
  result.status = 'pending';
  if (resumption.kind === 'resume' && resumption.entry.savedPath) tracked.changedFile = resumption.entry.savedPath;
  if (resumption.kind === 'saved') {
    result.status = 'already-saved';
    result.path = resumption.entry.savedPath;
  } else if (resumption.kind === 'failed') {
    tracked.earlier = true;
    const reason = resumption.entry.reason ? `: ${resumption.entry.reason}` : '';
    fail(tracked, 'generation', 'GENERATION_FAILED', `the task failed in an earlier run${reason}`);
  } else if (resumption.kind === 'expired') {
    fail(tracked, 'expired', 'LINK_EXPIRED', 'the video link expired before the video was saved');
  }
  return tracked;
}
