// Text from the journal, a sidecar or a file name on its way into the gallery page. Escaping keeps markup from
// being read as markup; the invisible characters are shown by name, because a bidi override or a line separator
// in a prompt would make it read differently on the page from what was sent (and what was paid for).

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Markup-safe in element content and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Element content: escaped, with each hidden character replaced by a visible mark naming it (`[U+202E]`, in a
 * span the page styles apart). Tabs and newlines stay: the page keeps them as written (white-space: pre-wrap).
 */
export function htmlText(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(HIDDEN)) {
    html += escapeHtml(text.slice(last, match.index));
    html += `<span class="hidden-char" title="a hidden character">[${codePoint(match[0])}]</span>`;
    last = match.index + match[0].length;
  }
  return html + escapeHtml(text.slice(last));
}

/** An attribute value: escaped, hidden characters written as their names (markup cannot go inside an attribute). */
export function htmlAttribute(text: string): string {
  return escapeHtml(text.replace(HIDDEN, (char) => `[${codePoint(char)}]`));
}
