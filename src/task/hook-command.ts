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
 * - `arithmetic`: inside `$((…))`, where a value would be evaluated as an expression.
 */
type Context = 'command' | 'backtick' | 'single' | 'double' | 'arithmetic';

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
  if (after !== undefined) return after;
  if (stack.some((open) => open.escaped)) return 'inside `…` after an escaped quote or backtick (write $(…) instead)';
  return undefined;
}

function shLine(template: string): string {
  const stack: Frame[] = [{ context: 'command', depth: 0 }];
  // Past a heredoc's `<<`, or past a case pattern's `)` inside $(…) (counted as the end of the substitution), where
  // a field stands is unknown.
  let after: string | undefined;
  let caseInSubstitution = false;
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
        const refused = unquotable(stack, after);
        if (refused !== undefined) throw unquotableField(name, template, refused);
        line += reference(HOOK_FIELDS[name], context);
        i += name.length + 1;
        continue;
      }
    }
    if (unquoted && atWordStart(template, i)) {
      if (char === '#') {
        // A comment, copied as written: its quotes and braces are text. In `…` it ends at the closing backtick.
        const end = template.slice(i).search(context === 'backtick' ? /[\n`]/ : /\n/);
        const stop = end < 0 ? template.length : i + end;
        line += template.slice(i, stop);
        i = stop - 1;
        continue;
      }
      if (stack.length > 1 && context === 'command' && /^case\s/.test(template.slice(i))) caseInSubstitution = true;
    }
    if (context === 'single') {
      if (char === "'") stack.pop();
    } else if (char === '$' && next === '(') {
      const arithmetic = template[i + 2] === '(';
      stack.push({ context: arithmetic ? 'arithmetic' : 'command', depth: arithmetic ? 2 : 1 });
      line += arithmetic ? '$((' : '$(';
      i += arithmetic ? 2 : 1;
      continue;
    } else if (char === '`' && context !== 'arithmetic') {
      if (context === 'backtick') stack.pop();
      else stack.push({ context: 'backtick', depth: 0 });
    } else if (char === '"' && context !== 'arithmetic') {
      if (context === 'double') stack.pop();
      else stack.push({ context: 'double', depth: 0 });
    } else if (char === "'" && unquoted) {
      stack.push({ context: 'single', depth: 0 });
    } else if ((char === '(' || char === ')') && (context === 'command' || context === 'arithmetic')) {
      if (char === ')' && caseInSubstitution) after ??= 'after a case inside $(…)';
      if (stack.length > 1) frame.depth += char === '(' ? 1 : -1;
      if (stack.length > 1 && frame.depth === 0) stack.pop();
    } else if (char === '<' && next === '<' && unquoted) {
      // `<<<` (bash's here-string) takes an ordinary word; `<<` starts a heredoc whose body is not a place to quote.
      if (template[i + 2] !== '<') after ??= 'after a heredoc (<<)';
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
