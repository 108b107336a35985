// A --exec command is the user's own shell text; the clip's fields are not. Each {field} is replaced by a reference to
// an environment variable that holds the value, quoted for the place it sits in, so that no value (a prompt, a URL
// from the API, a path) is ever read as shell syntax: the shell expands the variable and stops there.
import { UsageError } from '../core/errors.js';

/** The fields a hook can name, and the variable each one's value travels in. */
export const HOOK_FIELDS = {
  path: 'VEO_PATH',
  id: 'VEO_ID',
  prompt: 'VEO_PROMPT',
  url: 'VEO_URL',
  sha256: 'VEO_SHA256',
} as const;

export type HookField = keyof typeof HOOK_FIELDS;

/** The --exec values as commander or the fast route gives them: one string, or a list when repeated. */
export function execTemplates(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}
export type HookShell = 'sh' | 'cmd';

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

function isField(name: string): name is HookField {
  return Object.hasOwn(HOOK_FIELDS, name);
}

/**
 * Where a {field} sits, as the shell will parse it. Each `$(…)` and backtick substitution starts a command of its own
 * (quoting starts afresh there, even inside "…"), so the contexts form a stack:
 * - `command`: unquoted command text (the whole line, or the inside of `$(…)`, whose parentheses are counted);
 * - `backtick`: unquoted command text inside `…`;
 * - `single`, `double`: inside '…' or "…";
 * - `arithmetic`: inside `$((…))` or `((…))`, where a value would be evaluated as an expression;
 * - `parameter`: inside `${…}`, where a value may be a pattern, a subscript or an offset (an expression in bash).
 */
type Context = 'command' | 'backtick' | 'single' | 'double' | 'arithmetic' | 'parameter';

interface Frame {
  context: Context;
  /** Open parentheses of a `$(…)` or `$((…))`, counted so that its own `)` is found. */
  depth: number;
  /**
   * A backtick substitution that holds `\"` or `\``: shells differ on whether the backslash is removed before the
   * inside is parsed, so where a field after it would stand is unknown.
   */
  escaped?: boolean;
}

/** How a variable is referred to where the placeholder sits, so that its value stays one word and is never parsed. */
function reference(variable: string, context: Context): string {
  if (context === 'double') return `\${${variable}}`;
  // Inside '…' nothing expands: close the quote, insert the quoted variable, open it again.
  if (context === 'single') return `'"\${${variable}}"'`;
  return `"\${${variable}}"`;
}

/** The field named at `i` (a `{name}` not preceded by `$`), or undefined when the brace is something else. */
function fieldAt(template: string, i: number): string | undefined {
  const name = FIELD_NAME.exec(template.slice(i + 1))?.[0];
  const closed = name !== undefined && template[i + 1 + name.length] === '}';
  return closed && template[i - 1] !== '$' ? name : undefined;
}

/**
 * The command line to run, with each {field} made a quoted variable reference. `{{` writes a `{` of its own, and a
 * brace after `$` (the shell's `${name}`) or a backslash, or around anything that is not a name (`{a,b}`,
 * `awk '{print $1}'`), is left as written. A {name} that is not a field is refused (exit 2), before anything is
 * paid for: a typo would otherwise run the hook with the text `{pth}`. So is a field where no quoting can keep its
 * value from being parsed: inside `$((…))`, and after a heredoc's `<<` (a heredoc body reads quotes as text).
 */
export function hookCommandLine(template: string, shell: HookShell = 'sh'): string {
  return shell === 'cmd' ? cmdLine(template) : shLine(template);
}

/** Where a word may start: a `#` there opens a comment, a `case` there is the keyword. */
function atWordStart(template: string, i: number): boolean {
  return i === 0 || /[\s;&|()<>]/.test(template[i - 1] ?? '');
}

/** Why a field cannot be quoted where it stands (`after`: a place past which none can), or undefined. */
function unquotable(stack: Frame[], after: string | undefined): string | undefined {
  if (stack.at(-1)?.context === 'arithmetic') return 'inside $((…))';
  if (stack.at(-1)?.context === 'parameter') return 'inside ${…}';
  if (after !== undefined) return after;
  if (stack.some((open) => open.escaped)) return 'inside `…` after an escaped quote or backtick (write $(…) instead)';
  return undefined;
}

/** Past a heredoc's `<<`, a case pattern's `)` inside $(…), `[[`, `let` or `$[`: where a later field stands. */
interface Marks {
  after: string | undefined;
  caseInSubstitution: boolean;
}

/**
 * What starts a word in command text: a comment (copied as written, its quotes and braces being text), `((` (bash
 * arithmetic, where a value's `a[$(…)]` would run), `[[` and `let` (arithmetic too, in places), `case`. Returns how
 * many characters it took as they are, or 0.
 */
function wordStart(template: string, i: number, stack: Frame[], marks: Marks): number {
  const rest = template.slice(i);
  const context = stack.at(-1)?.context;
  if (rest.startsWith('#')) {
    const end = rest.search(context === 'backtick' ? /[\n`]/ : /\n/);
    return end < 0 ? rest.length : end;
  }
  if (stack.length > 1 && context === 'command' && /^case\s/.test(rest)) marks.caseInSubstitution = true;
  if (rest.startsWith('((')) {
    stack.push({ context: 'arithmetic', depth: 2 });
    return 2;
  }
  const word = /^(\[\[|let)\s/.exec(rest)?.[1];
  if (word !== undefined) marks.after ??= `after ${word}`;
  return 0;
}

/**
 * A `$` in command text or "…": `$(…)` and `$((…))` open a frame of their own, `${…}` too (a value there may be a
 * pattern or, in bash, an expression), and after `$[` (bash's old arithmetic) no field can stand. Returns how many
 * characters it took as they are.
 */
function expansion(template: string, i: number, stack: Frame[], marks: Marks): number {
  const next = template[i + 1];
  if (next === '[') marks.after ??= 'after $[…]';
  if (next === '{') {
    stack.push({ context: 'parameter', depth: 1 });
    return 2;
  }
  if (next !== '(') return 1;
  const arithmetic = template[i + 2] === '(';
  stack.push({ context: arithmetic ? 'arithmetic' : 'command', depth: arithmetic ? 2 : 1 });
  return arithmetic ? 3 : 2;
}

function shLine(template: string): string {
  const stack: Frame[] = [{ context: 'command', depth: 0 }];
  const marks: Marks = { after: undefined, caseInSubstitution: false };
  let line = '';
  for (let i = 0; i < template.length; i++) {
    const frame = stack[stack.length - 1] ?? { context: 'command', depth: 0 };
    const { context } = frame;
    const char = template[i] ?? '';
    const next = template[i + 1] ?? '';
    const unquoted = context === 'command' || context === 'backtick';
    if (char === '\\' && context !== 'single') {
      if (context === 'backtick' && (next === '"' || next === '`')) frame.escaped = true;
      // The escaped character is copied with its backslash: the shell reads it as it always would.
      line += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (char === '{') {
      if (next === '{') {
        line += '{';
        i++;
        continue;
      }
      const name = fieldAt(template, i);
      if (name !== undefined) {
        if (!isField(name)) throw unknownField(name, template);
        const refused = unquotable(stack, marks.after);
        if (refused !== undefined) throw unquotableField(name, template, refused);
        line += reference(HOOK_FIELDS[name], context);
        i += name.length + 1;
        continue;
      }
    }
    if (unquoted && atWordStart(template, i)) {
      const taken = wordStart(template, i, stack, marks);
      if (taken > 0) {
        line += template.slice(i, i + taken);
        i += taken - 1;
        continue;
      }
    }
    if (context === 'parameter') {
      if (char === '{') frame.depth++;
      else if (char === '}' && --frame.depth === 0) stack.pop();
      // A quote inside ${…} may hide its closing brace: where a later field stands is unknown.
      else if (char === '"' || char === "'" || char === '`') marks.after ??= 'after a quote inside ${…}';
    } else if (char === '$' && context !== 'single') {
      const taken = expansion(template, i, stack, marks);
      line += template.slice(i, i + taken);
      i += taken - 1;
      continue;
    } else if (context === 'single') {
      if (char === "'") stack.pop();
    } else if (char === '`' && context !== 'arithmetic') {
      if (context === 'backtick') stack.pop();
      else stack.push({ context: 'backtick', depth: 0 });
    } else if (char === '"' && context !== 'arithmetic') {
      if (context === 'double') stack.pop();
      else stack.push({ context: 'double', depth: 0 });
    } else if (char === "'" && unquoted) {
      stack.push({ context: 'single', depth: 0 });
    } else if ((char === '(' || char === ')') && (context === 'command' || context === 'arithmetic')) {
      if (char === ')' && marks.caseInSubstitution) marks.after ??= 'after a case inside $(…)';
      if (stack.length > 1) frame.depth += char === '(' ? 1 : -1;
      if (stack.length > 1 && frame.depth === 0) stack.pop();
    } else if (char === '<' && next === '<' && unquoted) {
      // `<<<` (bash's here-string) takes an ordinary word; `<<` starts a heredoc whose body is not a place to quote.
      if (template[i + 2] !== '<') marks.after ??= 'after a heredoc (<<)';
      line += template.slice(i, i + 3);
      i += 2;
      continue;
    }
    line += char;
  }
  return line;
}

function cmdLine(template: string): string {
  let quote = false;
  let line = '';
  for (let i = 0; i < template.length; i++) {
    const char = template[i] ?? '';
    if (char === '^' && !quote) {
      // cmd's escape character, outside quotes.
      line += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (char === '"') {
      quote = !quote;
    } else if (char === '{') {
      if (template[i + 1] === '{') {
        line += '{';
        i++;
        continue;
      }
      const name = fieldAt(template, i);
      if (name !== undefined) {
        if (!isField(name)) throw unknownField(name, template);
        // Delayed expansion (cmd /v:on) happens after cmd has parsed & | < >, so a value cannot add a command.
        line += quote ? `!${HOOK_FIELDS[name]}!` : `"!${HOOK_FIELDS[name]}!"`;
        i += name.length + 1;
        continue;
      }
    }
    line += char;
  }
  return line;
}

function unquotableField(name: HookField, template: string, where: string): UsageError {
  const variable = HOOK_FIELDS[name];
  return new UsageError(
    `--exec ${JSON.stringify(template)} names {${name}} ${where}, where veo cannot quote a value safely.`,
    {
      code: 'BAD_HOOK',
      hint: `Write $${variable} there (it is set for every hook; in a heredoc, an unquoted <<EOF expands it), or put the command in a script that reads "$${variable}".`,
    },
  );
}

function unknownField(name: string, template: string): UsageError {
  return new UsageError(`--exec ${JSON.stringify(template)} names an unknown field {${name}}.`, {
    code: 'BAD_HOOK',
    hint: `The fields are ${Object.keys(HOOK_FIELDS)
      .map((field) => `{${field}}`)
      .join(', ')}; {{ writes a { of its own.`,
  });
}

/** The environment a hook runs with: the fields' values, always set, whether or not the command names them. */
export function hookEnvironment(values: Record<HookField, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(HOOK_FIELDS).map(([field, variable]) => [variable, values[field as HookField]]),
  );
}
