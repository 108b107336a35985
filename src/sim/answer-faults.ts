// Faults that shape a real answer instead of replacing it: the request is processed (a create really creates and
// bills its task) and only what comes back is odd. Kept apart from faults.ts so that new kinds stay small additions.
import type { Reply } from './http-io.js';

export type AnswerFault =
  /**
   * create/result: the real task answer with some members replaced or added, each given as raw JSON text (so that a
   * value nested 200,000 levels deep, or a 3 MB string, can be sent), and the members named in `omit` left out.
   */
  | { kind: 'answer-fields'; fields: Record<string, string>; omit?: string[] }
  /** The request is processed at once (a create creates its task) and the answer leaves only `ms` later. */
  | { kind: 'late-answer'; ms: number };

export const ANSWER_FAULT_KINDS = ['answer-fields', 'late-answer'] as const;

/** Kinds among these that need a route answering with a task. */
export const TASK_ANSWER_FAULT_KINDS = ['answer-fields'] as const;

export function isAnswerFaultKind(kind: string): kind is AnswerFault['kind'] {
  return (ANSWER_FAULT_KINDS as readonly string[]).includes(kind);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks an answer fault that may come from JSON; `fail` throws with the simulator's wording. */
export function parseAnswerFault(
  kind: AnswerFault['kind'],
  raw: Record<string, unknown>,
  fail: (message: string) => never,
): AnswerFault {
  if (kind === 'late-answer') {
    const ms = raw.ms;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 3_600_000) {
      fail(`ms must be a whole number from 0 to 3600000, got ${JSON.stringify(ms)}`);
    }
    return { kind, ms };
  }
  if (!isPlainObject(raw.fields)) fail('answer-fields needs "fields": an object of raw JSON texts');
  const fields: Record<string, string> = {};
  for (const [name, text] of Object.entries(raw.fields)) {
    if (typeof text !== 'string') fail(`fields.${name} must be raw JSON text (a string)`);
    try {
      JSON.parse(text);
    } catch (error) {
      fail(`fields.${name} is not JSON text: ${(error as Error).message}`);
    }
    Object.defineProperty(fields, name, { value: text, enumerable: true, writable: true, configurable: true });
  }
  const fault: AnswerFault = { kind, fields };
  if (raw.omit !== undefined) {
    if (!Array.isArray(raw.omit) || !raw.omit.every((name) => typeof name === 'string')) {
      fail('omit must be an array of member names');
    }
    fault.omit = [...(raw.omit as string[])];
  }
  return fault;
}

/**
 * Writes the answer by hand rather than with JSON.stringify: a given value is sent byte for byte, however deep.
 * Members keep the real answer's order; a replaced one stays in place, new ones follow; a member both given and
 * omitted is sent as given.
 */
export function answerWithFields(
  real: Record<string, unknown>,
  fault: Extract<AnswerFault, { kind: 'answer-fields' }>,
) {
  const omitted = new Set(fault.omit ?? []);
  const given = new Map(Object.entries(fault.fields));
  const members: string[] = [];
  for (const [name, value] of Object.entries(real)) {
    if (omitted.has(name) && !given.has(name)) continue;
    const text = given.get(name) ?? JSON.stringify(value);
    given.delete(name);
    members.push(`${JSON.stringify(name)}:${text}`);
  }
  for (const [name, text] of given) members.push(`${JSON.stringify(name)}:${text}`);
  const reply: Reply = {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: `{${members.join(',')}}`,
  };
  return reply;
}
