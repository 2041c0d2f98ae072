import type { Evidence } from '../check.js';
import {
  matrixRows,
  type BrokerReport,
  type ConformanceReport,
  type GuaranteeStatus,
  type RowResult,
} from './model.js';

export const STATUS_ICON: Readonly<Record<GuaranteeStatus, string>> = {
  verified: '✅',
  failed: '❌',
  'not-verified': '⚠️',
  unsupported: '⛔',
};

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function cell(r: RowResult | undefined): string {
  if (r === undefined) return '—';
  const word = r.status === 'failed' ? '**failed**' : r.status === 'not-verified' ? 'not verified' : r.status;
  return r.kind === 'guarantee' && r.status !== 'unsupported'
    ? `${STATUS_ICON[r.status]} ${word} (${r.claim.level})`
    : `${STATUS_ICON[r.status]} ${word}`;
}

/** An evidence record as lines: summary, first bad event, counts (shared by the Markdown and HTML reports). */
export function evidenceLines(e: Evidence | undefined): string[] {
  if (e === undefined) return [];
  const out = [e.summary];
  if (e.firstBad !== undefined) out.push(`first bad: ${e.firstBad}`);
  if (e.counts !== undefined)
    out.push(
      Object.entries(e.counts)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    );
  return out;
}

function evidenceText(e: Evidence | undefined): string {
  return evidenceLines(e).join(' — ');
}

/** One line per broker: counts of each status. */
export function summaryLine(b: BrokerReport): string {
  const s = b.summary;
  return `${s.verified} verified, ${s.failed} failed, ${s.notVerified} not verified, ${s.unsupported} unsupported (${(b.durationMs / 1000).toFixed(1)} s)`;
}

/** The matrix (rows: guarantees and basic checks; columns: brokers) and each broker's findings, as Markdown. */
export function toMarkdown(report: ConformanceReport): string {
  const lines: string[] = [];
  lines.push('# EventPort conformance', '');
  lines.push(
    `Generated ${report.generatedAt} by ${report.tool}. Each cell puts the result beside the adapter's claim (native / emulated).`,
    '',
  );
  const brokers = report.brokers;
  lines.push(`| guarantee / check | ${brokers.map((b) => esc(b.label)).join(' | ')} |`);
  lines.push(`| --- | ${brokers.map(() => '---').join(' | ')} |`);
  for (const row of matrixRows(report)) {
    const name = row.kind === 'guarantee' ? `\`${row.row}\`` : `${row.row} _(check)_`;
    lines.push(
      `| ${name} | ${brokers.map((b) => cell(b.rows.find((r) => r.row === row.row))).join(' | ')} |`,
    );
  }
  lines.push('');
  lines.push(
    '✅ verified: the claim was proved · ❌ failed: disproved (evidence below) · ⚠️ not verified: could not be decided (reason below) · ⛔ unsupported: declared unsupported',
    '',
  );
  for (const b of brokers) {
    lines.push(`## ${b.label}`, '');
    lines.push(`${summaryLine(b)}. Target \`${b.target}\`, started ${b.startedAt}.`, '');
    const failed = b.rows.filter((r) => r.status === 'failed');
    if (failed.length > 0) {
      lines.push('### Failed claims', '');
      for (const r of failed)
        lines.push(`- **${r.row}** (claimed ${r.claim.level}): ${esc(evidenceText(r.evidence))}`);
      lines.push('');
    }
    const undecided = b.rows.filter((r) => r.status === 'not-verified');
    if (undecided.length > 0) {
      lines.push('### Not verified', '');
      for (const r of undecided) lines.push(`- **${r.row}**: ${esc(r.reason ?? '')}`);
      lines.push('');
    }
    lines.push('### Checks', '');
    lines.push('| check | result | time | evidence |', '| --- | --- | --- | --- |');
    for (const c of b.checks) {
      const result =
        c.status === 'failed'
          ? '❌ **failed**'
          : c.status === 'passed'
            ? '✅ passed'
            : c.status === 'skipped'
              ? '⏭️ skipped'
              : '⚠️ not verified';
      const text =
        c.status === 'passed' || c.status === 'failed' ? evidenceText(c.evidence) : (c.reason ?? '');
      lines.push(`| ${c.id} | ${result} | ${c.durationMs} ms | ${esc(text)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
