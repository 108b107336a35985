import type { Output } from './output.js';
import { showable } from './showable.js';

export interface TableOptions {
  /** Columns padded on the left (numbers). */
  rightAligned?: number[];
  /**
   * Columns that give up width, first to last, when a terminal is too narrow for the table; their cells are cut
   * with "…" (their titles too, if need be). Each keeps at least 8 characters.
   */
  shrinkable?: number[];
  /** Columns whose cells, when they are paths, are cut at the start ("…/out/clip.mp4"): the file name matters most. */
  pathColumns?: number[];
}

const GAP = 2;
const MIN_SHRUNK = 8;

function cut(text: string, width: number, fromStart = false): string {
  if (text.length <= width) return text;
  const keep = Math.max(0, width - 1);
  return fromStart ? `…${text.slice(text.length - keep)}` : `${text.slice(0, keep)}…`;
}

/**
 * Column widths that fit `columns`: the widest shrinkable column gives a character at a time (ties: the first
 * listed), so a long path cannot squeeze the prompt down to a few letters, until the rows fit or none can give.
 */
function fitWidths(natural: number[], columns: number, shrinkable: number[]): number[] {
  const widths = [...natural];
  let excess = widths.reduce((sum, width) => sum + width, 0) + GAP * (widths.length - 1) - columns;
  while (excess > 0) {
    let widest: number | undefined;
    for (const column of shrinkable) {
      const width = widths[column] ?? 0;
      if (width > MIN_SHRUNK && (widest === undefined || width > (widths[widest] ?? 0))) widest = column;
    }
    if (widest === undefined) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess -= 1;
  }
  return widths;
}

function looksLikePath(text: string): boolean {
  return /^(\/|~\/|\.{1,2}\/|[A-Za-z]:[\\/])/.test(text) || (!/\s/.test(text) && /[\\/]/.test(text));
}

/**
 * Prints rows on stdout. On a terminal: a bold header and aligned columns fitted to the terminal's width (the
 * shrinkable columns cut with "…"). Elsewhere (a pipe, a file): no header, one row a line, cells separated by a
 * tab and never cut, so `cut -f` and `while IFS=$'\t' read` see whole values. Either way cells are redacted and
 * made showable first, so a tab or a newline in a cell is shown as `\t` or `\n` and can never forge a column or a
 * row.
 */
export function printTable(out: Output, header: string[], cells: string[][], options: TableOptions = {}): void {
  const rows = cells.map((row) => row.map((cell) => out.show(cell)));
  if (!out.streams.stdout.isTTY) {
    for (const row of rows) out.resultRow(row);
    return;
  }
  const natural = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const columns = out.streams.stdout.columns || 80;
  const widths = fitWidths(natural, columns, options.shrinkable ?? []);
  const format = (row: string[]) =>
    row
      .map((raw, column) => {
        const width = widths[column] ?? 0;
        const cell = cut(raw, width, options.pathColumns?.includes(column) && looksLikePath(raw));
        if (options.rightAligned?.includes(column)) return cell.padStart(width);
        return column === row.length - 1 ? cell : cell.padEnd(width);
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  out.heading(format(header.map(showable)));
  for (const row of rows) out.result(format(row));
}
