// The line format of journal.jsonl: its shapes, their checks and how they are written (journal-merge.ts merges
// lines, journal-lines.ts reads them). Each line is one patch: of a task,
// {"id", "at": <ms>, ...fields}, or of a create intent, {"intent", "at", ...fields}, written before a create
// request leaves the machine and completed by the task line that names it. Fields this version does not know are
// kept and written back on compaction, so an older veo compacting a journal written by a newer one loses nothing.
// The known fields are checked by hand rather than by a schema library: a journal of 100,000 tasks is read on
// every `veo list`, and a generic validator costs several times the JSON parse itself.
import { TASK_ID_PATTERN } from '../core/ids.js';

export const INTENT_ID = /^[0-9a-f]{16}$/;
export const LINK_TTL_MS = 48 * 3600 * 1000;

/** What the journal knows of a task: the fields a task line may carry and a journal entry holds. */
export interface TaskFields {
  model?: string;
  prompt?: string;
  createdAt?: string;
  /** How long the task took from creation to done, in ms, where veo watched it finish (see poll-schedule.ts). */
  tookMs?: number;
  status?: string;
  url?: string | null;
  /** When the task was first seen done with a url. */
  doneAt?: string;
  /** doneAt + 48 h: when the video link is expected to stop working. */
  expiresAt?: string;
  savedPath?: string;
  bytes?: number;
  sha256?: string;
  /**
   * The file as saved when veo changed it after verifying it (embedded tags): its size and sha256. `bytes` and
   * `sha256` stay those of the video as served; null when the latest save kept the video as served.
   */
  savedFile?: { bytes: number; sha256: string } | null;
  /** Why the task failed. */
  reason?: string;
  /** The create intent this task completes. */
  intent?: string;
  /** When `veo sync` first reported the video lost (its link expired unsaved), so it fails one sync, not all. */
  lostReportedAt?: string;
  /**
   * When the clip's --exec hooks, all successful, left no file at savedPath (they moved or removed it): it was
   * handed on, and `veo sync` does not fetch it again. null once it is saved anew.
   */
  handedOffAt?: string | null;
  /** The final path of a download of this video that stopped unfinished: its `.part` may be there. */
  unfinishedDownload?: string;
  /** What the task cost, in rubles: as the service answered it (`cost`), else the model's listed price at create. */
  price?: number;
  /** Where `price` comes from: `service` (an answer's cost) or `catalog` (the model list, an estimate). */
  priceFrom?: string;
}

/** One task line as written: unknown fields, also inside `params` and `batch`, are kept. */
export interface Patch extends TaskFields {
  id: string;
  at: number;
  params?: { ar?: string; image?: string; [key: string]: unknown };
  /** Which batch item made the task: its key, and the output folder (older journals name the file instead). */
  batch?: { key: string; dir?: string; file?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * What a create intent can be: `sending` until its answer is known; `void` once the service provably created
 * nothing; `unconfirmed` after a failure that may hide a task; `dismissed` once the user chose to create the item
 * again. An intent some task line names is confirmed whatever its own last state says.
 */
export const INTENT_STATES = ['sending', 'void', 'unconfirmed', 'dismissed'] as const;
export type IntentState = (typeof INTENT_STATES)[number];

export interface IntentPatch {
  intent: string;
  at: number;
  state?: IntentState;
  model?: string;
  prompt?: string;
  params?: { ar?: string; image?: string; [key: string]: unknown };
  batch?: { key: string; dir?: string; [key: string]: unknown };
  owner?: { pid: number; host: string; start?: number; [key: string]: unknown };
  startedAt?: string;
  reason?: string;
  /** Where `create -o` was to save the video, so that a task found later can be saved there. */
  output?: string;
  /** The model's listed price when the create was sent: what an unanswered create counts as spent. */
  price?: number;
  [key: string]: unknown;
}

export interface DamagedRecord {
  line: number;
  text: string;
  problem: string;
}

// raw keeps the exact bytes so that compaction writes a damaged line back unchanged, even when
// it is not valid UTF-8 (a write torn inside a multi-byte character).
export interface DamagedLine extends DamagedRecord {
  raw: Buffer;
}

export interface ParsedJournal {
  states: Map<string, Patch>;
  intents: Map<string, IntentPatch>;
  damaged: DamagedLine[];
  /** Non-blank lines, damaged ones included. */
  lines: number;
}

// --- checks ----------------------------------------------------------------------------------------------------

type Check = (value: unknown) => string | undefined;

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined ? undefined : check(value);
const str: Check = (v) => (typeof v === 'string' ? undefined : 'expected a string');
const date: Check = (v) =>
  typeof v !== 'string' ? 'expected a string' : Number.isNaN(Date.parse(v)) ? 'not a date' : undefined;
const count: Check = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? undefined : 'expected a whole number >= 0';
const time: Check = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 8.64e15
    ? undefined
    : 'expected a time in ms since the epoch';
const rubles: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'expected an amount of rubles >= 0';
const matching =
  (pattern: RegExp, what: string): Check =>
  (v) =>
    typeof v === 'string' && pattern.test(v) ? undefined : what;

function object(fields: Record<string, Check>): Check {
  const checks = Object.entries(fields);
  return (value) => {
    if (!isObject(value)) return 'expected an object';
    for (const [key, check] of checks) {
      const problem = check(value[key]);
      if (problem !== undefined) return `${key}: ${problem}`;
    }
    return undefined;
  };
}

const params = optional(object({ ar: optional(str), image: optional(str) }));
const strings: Check = (v) =>
  Array.isArray(v) && v.every((item) => typeof item === 'string') ? undefined : 'expected a list of strings';
/** What a batch item (and a variation of a prompt) is tagged with. */
const variation = {
  line: optional(count),
  variant: optional(count),
  choices: optional(strings),
  template: optional(str),
};

const checkPatchFields = object({
  id: matching(TASK_ID_PATTERN, 'not a task id (24 lowercase hex characters)'),
  at: time,
  model: optional(str),
  prompt: optional(str),
  params,
  createdAt: optional(date),
  tookMs: optional(count),
  status: optional(str),
  url: (v) => (v === undefined || v === null ? undefined : str(v)),
  doneAt: optional(date),
  expiresAt: optional(date),
  savedPath: optional(str),
  bytes: optional(count),
  sha256: optional(str),
  savedFile: (v) => (v === null ? undefined : optional(object({ bytes: count, sha256: str }))(v)),
  reason: optional(str),
  batch: optional(object({ key: str, dir: optional(str), file: optional(str), ...variation })),
  intent: optional(matching(INTENT_ID, 'not an intent id')),
  unfinishedDownload: optional(str),
  handedOffAt: (v) => (v === null ? undefined : optional(date)(v)),
  price: optional(rubles),
  priceFrom: optional(str),
});

const checkIntentFields = object({
  intent: matching(INTENT_ID, 'not an intent id (16 lowercase hex characters)'),
  at: time,
  state: optional((v) =>
    (INTENT_STATES as readonly unknown[]).includes(v) ? undefined : `expected one of ${INTENT_STATES.join(', ')}`,
  ),
  model: optional(str),
  prompt: optional(str),
  params,
  batch: optional(object({ key: str, dir: optional(str), ...variation })),
  owner: optional(
    object({
      pid: (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? undefined : 'expected a whole number'),
      host: str,
      start: optional(count),
    }),
  ),
  startedAt: optional(date),
  reason: optional(str),
  output: optional(str),
  price: optional(rubles),
});

/** Validates a patch; returns it (the same object, unknown fields kept) or a human-readable problem. */
export function checkPatch(value: unknown): { patch: Patch } | { problem: string } {
  const problem = checkPatchFields(value);
  return problem === undefined ? { patch: value as Patch } : { problem };
}

export function checkIntent(value: unknown): { intent: IntentPatch } | { problem: string } {
  const problem = checkIntentFields(value);
  return problem === undefined ? { intent: value as IntentPatch } : { problem };
}

export function serializePatch(patch: Patch): string {
  // id, at and createdAt first: a person reading the file (or grepping it for an id) sees them at once, and
  // scanLines finds them without parsing the line.
  const { id, at, createdAt, ...fields } = patch;
  return JSON.stringify(createdAt === undefined ? { id, at, ...fields } : { id, at, createdAt, ...fields });
}

export function serializeIntent(patch: IntentPatch): string {
  const { intent, at, ...fields } = patch;
  return JSON.stringify({ intent, at, ...fields });
}
