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
}

const GAP = 2;
const MIN_SHRUNK = 8;

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}

/** Column widths that fit `columns`: the shrinkable columns narrowed in turn until the rows fit or none can give. */
function fitWidths(natural: number[], columns: number, shrinkable: number[]): number[] {
  const widths = [...natural];
  let excess = widths.reduce((sum, width) => sum + width, 0) + GAP * (widths.length - 1) - columns;
  for (const column of shrinkable) {
    if (excess <= 0) break;
    const give = Math.min(excess, Math.max(0, (widths[column] ?? 0) - MIN_SHRUNK));
    widths[column] = (widths[column] ?? 0) - give;
    excess -= give;
  }
  return widths;
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
        const cell = cut(raw, width);
        if (options.rightAligned?.includes(column)) return cell.padStart(width);
        return column === row.length - 1 ? cell : cell.padEnd(width);
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  out.heading(format(header.map(showable)));
  for (const row of rows) out.result(format(row));
}
