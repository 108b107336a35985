// The line format of journal.jsonl and how lines merge into entries. Each line is one patch
// {"id", "at": <ms>, ...fields}. Fields this version does not know are kept and written back on
// compaction, so an older veo compacting a journal written by a newer one loses nothing.
import { z } from 'zod';

export const TASK_ID = /^[0-9a-f]{24}$/;

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
  batch: z.object({ file: z.string(), key: z.string() }).optional(),
});

export type Patch = z.infer<typeof patchSchema>;

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJournal(bytes: Buffer): ParsedJournal {
  const states = new Map<string, Patch>();
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
    const checked = checkPatch(value);
    if ('problem' in checked) {
      report(checked.problem, text);
      continue;
    }
    states.set(checked.patch.id, mergePatch(states.get(checked.patch.id), checked.patch));
  }
  return { states, damaged, lines };
}

export function serializePatch(patch: Patch): string {
  // id and at first: a person reading the file (or grepping it for an id) sees them at once.
  const { id, at, ...fields } = patch;
  return JSON.stringify({ id, at, ...fields });
}
