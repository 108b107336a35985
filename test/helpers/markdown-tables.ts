// Reads the tables of a GitHub step summary the way a GFM renderer splits them: rows are lines that start with a
// pipe, cells are split on every pipe a backslash does not escape, and character references are decoded.

export interface MarkdownTable {
  header: string[];
  rows: string[][];
  /** The row lines as written, for checks on the raw text. */
  raw: string[];
}

function cells(line: string): string[] {
  const inner = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

export function decodeReferences(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** Every table in the text, in order: header, rule, rows (the rule must have as many cells as the header). */
export function markdownTables(text: string): MarkdownTable[] {
  const tables: MarkdownTable[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]?.startsWith('|') || !/^\|(\s*-{3,}\s*\|)+$/.test(lines[i + 1] ?? '')) continue;
    const header = cells(lines[i] ?? '');
    const raw: string[] = [];
    let j = i + 2;
    while (lines[j]?.startsWith('|')) raw.push(lines[j++] ?? '');
    tables.push({ header, rows: raw.map((line) => cells(line).map(decodeReferences)), raw });
    i = j;
  }
  return tables;
}
