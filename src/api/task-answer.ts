// A create answer that carries a task id is the only receipt of a paid task. Whatever else it holds (wrong types,
// absurd numbers, values nested too deep to print, members missing) must not cost the user that id: the id is taken
// first and the rest is made safe to print and journal, with a note on what was set aside.
import { TASK_ID_PATTERN, type Task } from './schemas.js';

/** Something odd in an answer that veo worked around; the commands show it as a warning. */
export interface AnswerNote {
  code: 'ANSWER_TOO_DEEP' | 'ANSWER_FIELD_IGNORED' | 'ANSWER_CODE_WITH_ID' | 'ANSWER_NOT_JSON';
  message: string;
  taskId?: string;
}

/**
 * Real answers are two or three levels deep. JSON.stringify recurses, so a value far deeper than this would crash
 * printing the answer; anything below this depth is replaced by DEPTH_MARKER.
 */
export const MAX_ANSWER_DEPTH = 64;
export const DEPTH_MARKER = `[veo: nested more than ${MAX_ANSWER_DEPTH} levels deep; left out]`;

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** A data property even for a key such as "__proto__", which plain assignment would turn into a prototype change. */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The depth of the deepest container, measured without recursion and without walking past `limit`. */
function exceedsDepth(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (!isContainer(value)) continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) if (isContainer(child)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * A copy of a parsed JSON value in which every container more than `limit` levels down is replaced by the marker,
 * and the top-level member names under which that happened. The value itself is returned when nothing is too deep.
 */
export function boundDepth(root: unknown, limit = MAX_ANSWER_DEPTH): { value: unknown; cut: string[] } {
  if (!exceedsDepth(root, limit)) return { value: root, cut: [] };
  const cut = new Set<string>();
  const copyShell = (value: object): object => (Array.isArray(value) ? [] : {});
  const top = copyShell(root as object);
  // Each frame copies the members of one source container into its (already linked) copy.
  const stack: { source: object; target: object; depth: number; member: string | undefined }[] = [
    { source: root as object, target: top, depth: 1, member: undefined },
  ];
  while (stack.length > 0) {
    const { source, target, depth, member } = stack.pop()!;
    for (const [key, child] of Object.entries(source)) {
      const topMember = member ?? key;
      const index = Array.isArray(source) ? Number(key) : key;
      if (!isContainer(child)) {
        define(target, index, child);
      } else if (depth + 1 > limit) {
        define(target, index, DEPTH_MARKER);
        cut.add(topMember);
      } else {
        const copy = copyShell(child);
        define(target, index, copy);
        stack.push({ source: child, target: copy, depth: depth + 1, member: topMember });
      }
    }
  }
  return { value: top, cut: [...cut] };
}

// What JSON.stringify leaves as it is but a terminal acts on: DEL, C1 controls, bidi overrides, invisible marks.
const INVISIBLE = /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/** A member name from outside, quoted, escaped and shortened so that it is safe in a message. */
export function quoteName(name: string): string {
  const quoted = JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
  return quoted.replace(INVISIBLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function depthNote(what: string, cut: string[], taskId?: string): AnswerNote {
  const names = cut.slice(0, 5).map(quoteName).join(', ') + (cut.length > 5 ? ', ...' : '');
  return {
    code: 'ANSWER_TOO_DEEP',
    message: `The API answered ${what} with values nested more than ${MAX_ANSWER_DEPTH} levels deep (under ${names}); they are shown as "${DEPTH_MARKER}".`,
    ...(taskId ? { taskId } : {}),
  };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : 'a number out of range';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : 'a string';
  return `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`;
}

/** created_at is Unix seconds; an ObjectId's time field holds 32 bits of them, so anything outside is not a time. */
export function plausibleCreatedAt(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1e9 && value <= 0xffffffff;
}

type Member = (value: unknown) => boolean;
const optionalString: Member = (value) => typeof value === 'string';
const nullableString: Member = (value) => value === null || typeof value === 'string';
const nullableNumber: Member = (value) => value === null || (typeof value === 'number' && Number.isFinite(value));

/** The members a task's typed fields are read from, and what each must be to be used. */
const TYPED_MEMBERS: Record<string, Member> = {
  model: optionalString,
  prompt: nullableString,
  created_at: nullableNumber,
  url: nullableString,
};

/**
 * The task of a create answer that holds a valid id, or undefined when it holds none. Never throws: members of
 * the wrong type are left out of the typed task (status becomes "unknown"), too-deep values become a marker, a
 * non-zero code is overruled by the id, and each of these is told in a note. Unknown members are kept.
 */
export function taskFromCreateAnswer(json: unknown): { task: Task; notes: AnswerNote[] } | undefined {
  if (!isContainer(json) || Array.isArray(json)) return undefined;
  const id = (json as Record<string, unknown>).id;
  if (typeof id !== 'string' || !TASK_ID_PATTERN.test(id)) return undefined;
  const what = 'the create request';
  const notes: AnswerNote[] = [];
  const { value, cut } = boundDepth(json);
  if (cut.length > 0) notes.push(depthNote(what, cut, id));
  const raw = value as Record<string, unknown>;
  const task: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [name, member] of Object.entries(raw)) {
    const check = Object.hasOwn(TYPED_MEMBERS, name) ? TYPED_MEMBERS[name] : undefined;
    if (check && !check(member)) {
      ignored.push(`${name} (${describeValue(member)})`);
      continue;
    }
    define(task, name, member);
  }
  if (typeof raw.status !== 'string') {
    ignored.push(`status (${raw.status === undefined ? 'missing' : describeValue(raw.status)})`);
    task.status = 'unknown';
  }
  // Kept as the API sent it (a number prints fine); the journal takes the time from the id instead.
  if (typeof task.created_at === 'number' && !plausibleCreatedAt(task.created_at)) {
    ignored.push(`created_at (${describeValue(task.created_at)}: not a Unix time, the id's time is used)`);
  }
  if (raw.code === undefined) ignored.push('code (missing)');
  else if (raw.code !== 0) {
    const said = typeof raw.code === 'number' ? `code ${raw.code}` : `a code that is ${describeValue(raw.code)}`;
    notes.push({
      code: 'ANSWER_CODE_WITH_ID',
      message: `The create answer carried ${said} together with task id ${id}: the task is taken as created (it may be billed).`,
      taskId: id,
    });
  }
  task.code = 0;
  task.id = id;
  if (ignored.length > 0) {
    notes.push({
      code: 'ANSWER_FIELD_IGNORED',
      message: `The create answer for task ${id} has fields veo cannot use: ${ignored.join(', ')}. The task is kept.`,
      taskId: id,
    });
  }
  return { task: task as Task, notes };
}

const ID_VALUE = /\s*:\s*"([0-9a-f]{24})"/y;

/** The index just past the string starting at `start` (a quote), or -1 when the text ends inside it. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c) i++;
    else if (code === 0x22) return i + 1;
  }
  return -1;
}

/**
 * The id of a create answer that is not valid JSON (cut short at the size limit, say): the string value of an "id"
 * member of the outermost object, found by walking the text. Undefined unless exactly one such id is there.
 */
export function salvageTaskId(text: string): string | undefined {
  let i = text.search(/\S/);
  if (i < 0 || text[i] !== '{') return undefined;
  const found = new Set<string>();
  let depth = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      const end = stringEnd(text, i);
      if (end < 0) break;
      const isIdKey = depth === 1 && end - i === 4 && text.startsWith('"id"', i);
      i = end;
      if (isIdKey) {
        ID_VALUE.lastIndex = i;
        const value = ID_VALUE.exec(text);
        if (value) found.add(value[1]!);
      }
      continue;
    }
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    if (depth <= 0) break;
    i++;
  }
  return found.size === 1 ? [...found][0] : undefined;
}
