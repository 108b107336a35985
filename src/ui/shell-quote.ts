import { hasUnshowable } from './showable.js';

/** Inside $'…': the backslash and the quote escaped, each character a terminal would act on written as an escape. */
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', "'": "\\'" };

function ansiC(word: string): string {
  return [...word]
    .map((char) => {
      const named = NAMED[char];
      if (named) return named;
      if (!hasUnshowable(char)) return char;
      // As its UTF-8 bytes: \u would depend on the locale of the shell it is pasted into.
      return [...Buffer.from(char, 'utf8')].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
    })
    .join('');
}

/**
 * Hints that repeat a user-given value are meant to be pasted into sh, bash or zsh: a value with spaces, quotes
 * or other special characters must come through as typed. Only a plain alphabet stays bare, and not when it
 * starts with `=` (zsh would look up a command) or `~` (every shell would put the home folder there). A value with
 * a control character (a newline in a prompt, a tab in a path) is written `$'…'` with escapes: a hint is shown
 * with control characters escaped, so '…' would paste a literal `\n`; bash, zsh and POSIX sh since 2024 read
 * `$'…'` back to the exact bytes.
 */
export function shellQuote(word: string): string {
  if (hasUnshowable(word)) return `$'${ansiC(word)}'`;
  return /^[\w@%+:,./-][\w@%+=:,./-]*$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
