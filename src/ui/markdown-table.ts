// The GitHub step summary is Markdown that GitHub renders (HTML, emphasis, links, images, math, mentions): text from
// outside (a prompt, a path, an API's message) must stay one cell of plain text, whatever it holds.
import { showable } from './showable.js';

/**
 * Characters that make Markdown or HTML of plain text, each written as its numeric character reference, which
 * Markdown shows as the character itself: `|` would split a cell, `` ` `` open code, `<` and `&` start HTML, `[ ] !`
 * links and images, `* _ ~` emphasis, `$` math, `@` and `#` mentions and references, `\` escape the next character.
 */
const MARKUP = /[&<>|`[\]!*_~$@#\\]/g;

/**
 * One table cell (or a line of a paragraph) of plain text: line breaks and runs of spaces folded into one space,
 * other control characters shown as escapes, markup characters as character references; cut to `width`
 * characters with an ellipsis when longer.
 */
export function markdownText(text: string, width = Infinity): string {
  const flat = text.replace(/[\r\n\t\f\v\u2028\u2029 ]+/g, ' ').trim();
  const chars = [...flat];
  const cut = chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join('')}…` : flat;
  return showable(cut).replace(MARKUP, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * A Markdown table: a header row, its rule, and one row of plain-text cells each, every cell through markdownText
 * (cut to its column's width when one is given).
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  widths: readonly number[] = [],
): string {
  const row = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => markdownText(cell, widths[column]) || ' ').join(' | ')} |`;
  return [row(headers), `|${headers.map(() => ' --- ').join('|')}|`, ...rows.map(row)].join('\n');
}
