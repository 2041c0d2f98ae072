/** Markdown tables printed by the benchmarks, read back as data for the results file. */
export interface Table {
  /** The column headings. */
  columns: string[];
  /** One object per row, keyed by column heading (cells as printed). */
  rows: Record<string, string>[];
}

const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/** Every table in `text`: a header line, a `| --- |` separator, then rows until the first non-table line. */
export function parseMarkdownTables(text: string): Table[] {
  const lines = text.split('\n');
  const tables: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || !/^\|?\s*:?-{3,}/.test(lines[i + 1]!.trim())) continue;
    const columns = cells(lines[i]!);
    const rows: Record<string, string>[] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j++) {
      const values = cells(lines[j]!);
      rows.push(Object.fromEntries(columns.map((c, k) => [c, values[k] ?? ''])));
    }
    tables.push({ columns, rows });
    i = j - 1;
  }
  return tables;
}
