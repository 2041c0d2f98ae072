import { GUARANTEE_NAMES, GUARANTEES, type CapabilityReport, type SupportLevel } from '@eventport/core';

export const MATRIX_START = '<!-- capability-matrix:start -->';
export const MATRIX_END = '<!-- capability-matrix:end -->';

const WORD: Readonly<Record<SupportLevel, string>> = {
  native: 'native',
  emulated: 'emulated',
  unsupported: '—',
};

/** A fixed-width text matrix: guarantees down, broker variants across. */
export function textMatrix(variants: readonly CapabilityReport[]): string {
  const heads = variants.map((v) => v.label);
  const cells = GUARANTEE_NAMES.map((g) =>
    variants.map((v) => {
      const c = v.get(g);
      return `${WORD[c.level]}${c.limit !== undefined && c.level !== 'unsupported' ? ` (${formatLimit(g, c.limit)})` : ''}`;
    }),
  );
  const w0 = Math.max(9, ...GUARANTEE_NAMES.map((g) => g.length));
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (first: string, row: string[]): string =>
    `${first.padEnd(w0)}  ${row.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  const out = [
    line('guarantee', heads),
    line(
      '-'.repeat(w0),
      widths.map((w) => '-'.repeat(w)),
    ),
  ];
  GUARANTEE_NAMES.forEach((g, i) => out.push(line(g, cells[i]!)));
  out.push('', 'native: the broker does it · emulated: EventPort does it on top · —: unsupported');
  return out.join('\n');
}

/** The README's capability matrix (Markdown), generated from the adapters' declarations only. */
export function markdownMatrix(variants: readonly CapabilityReport[]): string {
  if (variants.length === 0) return '_No installed adapter declares its capabilities._';
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [
    `| guarantee | ${variants.map((v) => esc(v.label)).join(' | ')} |`,
    `| --- | ${variants.map(() => ':---:').join(' | ')} |`,
  ];
  for (const g of GUARANTEE_NAMES) {
    const cells = variants.map((v) => {
      const c = v.get(g);
      const limit = c.limit !== undefined && c.level !== 'unsupported' ? ` (${formatLimit(g, c.limit)})` : '';
      return `<span title="${esc(c.detail.replace(/"/g, '&quot;'))}">${WORD[c.level]}${limit}</span>`;
    });
    lines.push(`| \`${g}\` | ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    '_native_: the broker does it; _emulated_: EventPort does it on top (hover a cell for how); —: unsupported, and a consumer that `require`s it fails at creation. ' +
      "Generated from the adapters' declarations by `node packages/cli/scripts/capability-matrix.mjs`; the conformance suite verifies each claim (`npx eventport conformance <url>`).",
  );
  lines.push('');
  lines.push('<details><summary>What each guarantee means</summary>', '');
  for (const g of GUARANTEE_NAMES) lines.push(`- \`${g}\`: ${GUARANTEES[g]}`);
  lines.push('', '</details>');
  return lines.join('\n');
}

/** Replaces the text between the markers (exclusive) with `body`. @throws Error when the markers are missing. */
export function replaceBetweenMarkers(doc: string, body: string): string {
  const start = doc.indexOf(MATRIX_START);
  const end = doc.indexOf(MATRIX_END);
  if (start < 0 || end < 0 || end < start) {
    throw new Error(`the markers ${MATRIX_START} and ${MATRIX_END} were not found (in that order)`);
  }
  return `${doc.slice(0, start + MATRIX_START.length)}\n${body}\n${doc.slice(end)}`;
}

function formatLimit(g: string, limit: number): string {
  if (g === 'max-event-size') {
    if (limit % (1024 * 1024) === 0) return `${limit / (1024 * 1024)} MiB`;
    if (limit % 1024 === 0) return `${limit / 1024} KiB`;
    return `${limit} B`;
  }
  return limit >= 1000 && limit % 1000 === 0 ? `${limit / 1000} s` : `${limit} ms`;
}
