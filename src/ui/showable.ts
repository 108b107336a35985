/**
 * Control characters a terminal acts on instead of showing: C0 (ESC starts every escape sequence; CR redraws the
 * line; LF forges new lines and table rows), DEL, C1 (0x9b is a one-byte CSI) and the Unicode line separators and
 * bidirectional overrides, which can make a line read differently from what it says.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const ONE_UNSHOWABLE = new RegExp(UNSHOWABLE.source);

/** Whether `text` holds a character that showable() would escape. */
export function hasUnshowable(text: string): boolean {
  return ONE_UNSHOWABLE.test(text);
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text from outside (the API, the journal, file names) made safe for a terminal or a table: every control
 * character is shown as a visible escape such as `\x1b` or `\n`, so it can neither move the cursor, retitle the
 * window nor draw a line of its own. Applying it twice changes nothing. `--json` output does not go through it.
 */
export function showable(text: string): string {
  return text.replace(UNSHOWABLE, escape);
}
