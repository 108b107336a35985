import type { Output } from './output.js';
import { showable } from './showable.js';

/**
 * Prints rows as aligned columns on stdout. The header is shown only on a terminal, so a script piping the
 * output gets data lines alone; trailing spaces are trimmed so `awk` and `cut` see clean lines. Cells are made
 * showable (and redacted) before they are measured: a newline in a cell can never forge a row.
 */
export function printTable(out: Output, header: string[], cells: string[][], rightAligned: number[] = []): void {
  const rows = cells.map((row) => row.map((cell) => out.show(cell)));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        if (rightAligned.includes(column)) return cell.padStart(width);
        return column === row.length - 1 ? cell : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  if (out.streams.stdout.isTTY) out.heading(format(header.map(showable)));
  for (const row of rows) out.result(format(row));
}
