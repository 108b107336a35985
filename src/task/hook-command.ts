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

/** How a variable is referred to where the placeholder sits, so that its value stays one word and is never parsed. */
function reference(variable: string, shell: HookShell, quote: 'none' | 'single' | 'double'): string {
  if (shell === 'cmd') {
    // Delayed expansion (cmd /v:on) happens after cmd has parsed & | < >, so a value cannot add a command.
    return quote === 'double' ? `!${variable}!` : `"!${variable}!"`;
  }
  if (quote === 'double') return `\${${variable}}`;
  // Inside '…' nothing expands: close the quote, insert the quoted variable, open it again.
  if (quote === 'single') return `'"\${${variable}}"'`;
  return `"\${${variable}}"`;
}

/**
 * The command line to run, with each {field} made a quoted variable reference. `{{` writes a `{` of its own, and a
 * brace after `$` (the shell's `${name}`) or a backslash, or around anything that is not a name (`{a,b}`,
 * `awk '{print $1}'`), is left as written. A {name} that is not a field is refused (exit 2), before anything is
 * paid for: a typo would otherwise run the hook with the text `{pth}`.
 */
export function hookCommandLine(template: string, shell: HookShell = 'sh'): string {
  let quote: 'none' | 'single' | 'double' = 'none';
  let line = '';
  for (let i = 0; i < template.length; i++) {
    const char = template[i] ?? '';
    if (char === '\\' && shell === 'sh' && quote !== 'single') {
      // The escaped character is copied with its backslash: the shell reads it as it always would.
      line += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (char === '^' && shell === 'cmd' && quote === 'none') {
      // cmd's escape character, outside quotes.
      line += template.slice(i, i + 2);
      i++;
      continue;
    }
    if (char === "'" && shell === 'sh' && quote !== 'double') {
      quote = quote === 'single' ? 'none' : 'single';
    } else if (char === '"' && quote !== 'single') {
      quote = quote === 'double' ? 'none' : 'double';
    } else if (char === '{') {
      if (template[i + 1] === '{') {
        line += '{';
        i++;
        continue;
      }
      const name = FIELD_NAME.exec(template.slice(i + 1))?.[0];
      const closed = name !== undefined && template[i + 1 + name.length] === '}';
      if (closed && template[i - 1] !== '$') {
        if (!isField(name)) throw unknownField(name, template);
        line += reference(HOOK_FIELDS[name], shell, quote);
        i += name.length + 1;
        continue;
      }
    }
    line += char;
  }
  return line;
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
