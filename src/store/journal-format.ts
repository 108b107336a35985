// The line format of journal.jsonl and how lines merge into entries. Each line is one patch: of a task,
// {"id", "at": <ms>, ...fields}, or of a create intent, {"intent", "at", ...fields}, written before a create
// request leaves the machine and completed by the task line that names it. Fields this version does not know are
// kept and written back on compaction, so an older veo compacting a journal written by a newer one loses nothing.
import { z } from 'zod';

export const TASK_ID = /^[0-9a-f]{24}$/;
export const INTENT_ID = /^[0-9a-f]{16}$/;

const dateString = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');

// Load and record share this schema, so record() can never write a line that load() calls damaged.
export const patchSchema = z.looseObject({
  id: z.string().regex(TASK_ID, 'not a task id (24 lowercase hex characters)'),
  at: z.number().int().nonnegative().max(8.64e15),
  model: z.string().optional(),
  prompt: z.string().optional(),
  params: z.looseObject({ ar: z.string().optional(), image: z.string().optional() }).optional(),
  createdAt: dateString.optional(),
  status: z.string().optional(),
  url: z.string().nullable().optional(),
  doneAt: dateString.optional(),
  expiresAt: dateString.optional(),
  savedPath: z.string().optional(),
  bytes: z.number().int().nonnegative().optional(),
  sha256: z.string().optional(),
  reason: z.string().optional(),
  /** Which batch item made the task: its key, and the output folder (older journals name the file instead). */
  batch: z.looseObject({ key: z.string(), dir: z.string().optional(), file: z.string().optional() }).optional(),
  /** The create intent this task completes. */
  intent: z.string().regex(INTENT_ID).optional(),
});

export type Patch = z.infer<typeof patchSchema>;

const ownerSchema = z.looseObject({
  pid: z.number().int(),
  host: z.string(),
  start: z.number().int().nonnegative().optional(),
});

/**
 * What a create intent can be: `sending` until its answer is known; `void` once the service provably created
 * nothing; `unconfirmed` after a failure that may hide a task; `dismissed` once the user chose to create the item
 * again. An intent some task line names is confirmed whatever its own last state says.
 */
export const INTENT_STATES = ['sending', 'void', 'unconfirmed', 'dismissed'] as const;
export type IntentState = (typeof INTENT_STATES)[number];

export const intentSchema = z.looseObject({
  intent: z.string().regex(INTENT_ID, 'not an intent id (16 lowercase hex characters)'),
  at: z.number().int().nonnegative().max(8.64e15),
  state: z.enum(INTENT_STATES).optional(),
  model: z.string().optional(),
  prompt: z.string().optional(),
  params: z.looseObject({ ar: z.string().optional(), image: z.string().optional() }).optional(),
  batch: z.looseObject({ key: z.string(), dir: z.string().optional() }).optional(),
  owner: ownerSchema.optional(),
  startedAt: dateString.optional(),
  reason: z.string().optional(),
});

export type IntentPatch = z.infer<typeof intentSchema>;

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

// Statuses a poll reports while the task still runs, and those after which it never changes.
// A poll answered before another process saw the task finish may be appended after that
// process's 'done'; it must not send the task back to 'processing'.
const RUNNING = new Set(['idle', 'processing']);
const FINISHED = new Set(['done', 'failed', 'error', 'cancelled', 'canceled']);

export function mergePatch(current: Patch | undefined, patch: Patch): Patch {
  const next: Record<string, unknown> = { ...current, id: patch.id, at: Math.max(current?.at ?? 0, patch.at) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === 'id' || key === 'at') continue;
    // The API answers url: null until the video exists; a late null must not erase the only link to a paid clip.
    if (key === 'url' && value === null && typeof next.url === 'string') continue;
    if (key === 'status' && RUNNING.has(String(value)) && FINISHED.has(String(next.status))) continue;
    next[key] = value;
  }
  return next as Patch;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Validates a patch; returns the parsed patch or a human-readable problem. */
export function checkPatch(value: unknown): { patch: Patch } | { problem: string } {
  const result = patchSchema.safeParse(value);
  return result.success ? { patch: result.data } : { problem: describeIssues(result.error) };
}

export function checkIntent(value: unknown): { intent: IntentPatch } | { problem: string } {
  const result = intentSchema.safeParse(value);
  return result.success ? { intent: result.data } : { problem: describeIssues(result.error) };
}

// A settled intent never goes back to `sending`: a late line from a slow writer must not revive it.
export function mergeIntent(current: IntentPatch | undefined, patch: IntentPatch): IntentPatch {
  const next: Record<string, unknown> = { ...current, intent: patch.intent, at: Math.max(current?.at ?? 0, patch.at) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === 'intent' || key === 'at') continue;
    if (key === 'state' && value === 'sending' && current?.state !== undefined) continue;
    next[key] = value;
  }
  return next as IntentPatch;
}

function isIntentLine(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'intent' in value && !('id' in value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJournal(bytes: Buffer): ParsedJournal {
  const states = new Map<string, Patch>();
  const intents = new Map<string, IntentPatch>();
  const damaged: DamagedLine[] = [];
  let lines = 0;
  let start = 0;
  for (let lineNo = 1; start < bytes.length; lineNo++) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    const raw = bytes.subarray(start, end);
    start = end + 1;
    const report = (problem: string, text: string): void => {
      const why = nl === -1 ? `incomplete last line (a write cut short?): ${problem}` : problem;
      damaged.push({ line: lineNo, text, problem: why, raw: Buffer.from(raw) });
    };

    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      report('not valid UTF-8', raw.toString('utf8'));
      lines++;
      continue;
    }
    if (text.trim() === '') continue;
    lines++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      report(`not JSON (${(err as Error).message})`, text);
      continue;
    }
    if (isIntentLine(value)) {
      const checked = checkIntent(value);
      if ('problem' in checked) report(checked.problem, text);
      else intents.set(checked.intent.intent, mergeIntent(intents.get(checked.intent.intent), checked.intent));
      continue;
    }
    const checked = checkPatch(value);
    if ('problem' in checked) {
      report(checked.problem, text);
      continue;
    }
    states.set(checked.patch.id, mergePatch(states.get(checked.patch.id), checked.patch));
  }
  return { states, intents, damaged, lines };
}

export function serializePatch(patch: Patch): string {
  // id and at first: a person reading the file (or grepping it for an id) sees them at once.
  const { id, at, ...fields } = patch;
  return JSON.stringify({ id, at, ...fields });
}

export function serializeIntent(patch: IntentPatch): string {
  const { intent, at, ...fields } = patch;
  return JSON.stringify({ intent, at, ...fields });
}
