import { evidenceLines, summaryLine } from './markdown.js';
import {
  STATUS_TEXT,
  matrixRows,
  type BrokerReport,
  type ConformanceReport,
  type GuaranteeStatus,
  type RowResult,
} from './model.js';

const ICON: Readonly<Record<GuaranteeStatus, string>> = {
  verified: '✓',
  failed: '✗',
  'not-verified': '?',
  unsupported: '–',
};

const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

function tooltip(r: RowResult): string {
  const lines = [
    `claim: ${r.claim.level} — ${r.claim.detail}${r.claim.limit !== undefined ? ` (limit ${r.claim.limit})` : ''}`,
  ];
  lines.push(`result: ${STATUS_TEXT[r.status]}`);
  if (r.reason !== undefined && r.status !== 'verified') lines.push(`why: ${r.reason}`);
  lines.push(...evidenceLines(r.evidence));
  if (r.checks.length > 0) lines.push(`checks: ${r.checks.join(', ')}`);
  return lines.join('\n');
}

function cell(b: BrokerReport, r: RowResult | undefined): string {
  if (r === undefined) return `<td class="cell none" data-broker="${esc(b.label)}" data-status="none">—</td>`;
  const claim =
    r.kind === 'guarantee' && r.status !== 'unsupported'
      ? `<span class="claim">${esc(r.claim.level)}</span>`
      : '';
  return (
    `<td class="cell ${r.status}" data-broker="${esc(b.label)}" data-row="${esc(r.row)}" data-status="${r.status}" data-claim="${r.claim.level}" title="${esc(tooltip(r))}">` +
    `<span class="icon" aria-hidden="true">${ICON[r.status]}</span><span class="status">${esc(STATUS_TEXT[r.status])}</span>${claim}</td>`
  );
}

function brokerCard(b: BrokerReport): string {
  const s = b.summary;
  const ok = s.failed === 0;
  return `<div class="card ${ok ? 'ok' : 'bad'}" data-broker="${esc(b.label)}">
  <div class="card-head"><span class="name">${esc(b.label)}</span><span class="badge ${ok ? 'ok' : 'bad'}">${ok ? 'all claims hold' : `${s.failed} claim${s.failed === 1 ? '' : 's'} failed`}</span></div>
  <div class="counts"><span class="chip verified">${s.verified} verified</span><span class="chip failed">${s.failed} failed</span><span class="chip not-verified">${s.notVerified} not verified</span><span class="chip unsupported">${s.unsupported} unsupported</span></div>
  <div class="target"><code>${esc(b.target)}</code> · ${(b.durationMs / 1000).toFixed(1)} s · ${esc(b.startedAt)}</div>
</div>`;
}

function details(b: BrokerReport): string {
  const failed = b.rows.filter((r) => r.status === 'failed');
  const undecided = b.rows.filter((r) => r.status === 'not-verified');
  const item = (r: RowResult, lines: string[]): string =>
    `<li><b>${esc(r.row)}</b> <span class="muted">(claimed ${esc(r.claim.level)})</span><br>${lines.map(esc).join('<br>')}</li>`;
  const checks = b.checks
    .map((c) => {
      const text =
        c.status === 'passed' || c.status === 'failed' ? evidenceLines(c.evidence) : [c.reason ?? ''];
      return `<tr class="${c.status}" data-check="${esc(c.id)}"><td><code>${esc(c.id)}</code></td><td class="st ${c.status}">${esc(c.status.replace('-', ' '))}</td><td class="num">${c.durationMs} ms</td><td>${text.map(esc).join('<br>')}</td></tr>`;
    })
    .join('\n');
  return `<section class="broker-details" data-broker="${esc(b.label)}">
<h2>${esc(b.label)}</h2>
<p class="muted">${esc(summaryLine(b))}</p>
${failed.length ? `<h3 class="failed-h">Failed claims</h3><ul class="findings failed">${failed.map((r) => item(r, evidenceLines(r.evidence))).join('')}</ul>` : ''}
${undecided.length ? `<h3>Not verified</h3><ul class="findings not-verified">${undecided.map((r) => item(r, [r.reason ?? ''])).join('')}</ul>` : ''}
<details${failed.length ? ' open' : ''}><summary>All ${b.checks.length} checks</summary>
<table class="checks"><thead><tr><th>check</th><th>result</th><th>time</th><th>evidence</th></tr></thead><tbody>
${checks}
</tbody></table></details>
</section>`;
}

const CSS = `
:root { --ok:#116329; --ok-bg:#d3f5d8; --bad:#a40e26; --bad-bg:#ffd8d3; --warn:#7a4d00; --warn-bg:#fff0bf; --na:#57606a; --na-bg:#eceff1; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #1f2328; margin: 0; padding: 24px 32px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 4px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.muted, .meta { color: #59636e; }
.legend { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0 16px; }
.chip { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; margin-right: 6px; }
.chip.verified, .cell.verified, .st.passed { background: var(--ok-bg); color: var(--ok); }
.chip.failed, .cell.failed, .st.failed { background: var(--bad-bg); color: var(--bad); }
.chip.not-verified, .cell.not-verified, .st.not-verified { background: var(--warn-bg); color: var(--warn); }
.chip.unsupported, .cell.unsupported, .st.skipped { background: var(--na-bg); color: var(--na); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 18px; }
.card { border: 1px solid var(--line); border-left: 6px solid var(--ok); border-radius: 6px; padding: 10px 14px; min-width: 300px; }
.card.bad { border-left-color: var(--bad); }
.card-head { display: flex; justify-content: space-between; gap: 12px; align-items: baseline; }
.card .name { font-size: 16px; font-weight: 700; }
.badge { font-size: 12px; font-weight: 700; padding: 1px 8px; border-radius: 4px; }
.badge.ok { background: var(--ok); color: #fff; } .badge.bad { background: var(--bad); color: #fff; }
.counts { margin: 6px 0 4px; } .target { font-size: 12px; color: #59636e; }
table { border-collapse: collapse; }
table.matrix { min-width: 520px; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: middle; }
.matrix thead th { background: #f6f8fa; position: sticky; top: 0; font-size: 13px; }
.matrix thead th.broker { text-align: center; min-width: 150px; }
.matrix th[scope=row] { font-weight: 500; background: #fbfcfd; }
.matrix th[scope=row] code { font-size: 13px; font-weight: 600; }
.matrix th[scope=row] .desc { font-size: 11px; color: #59636e; font-weight: 400; max-width: 420px; }
.matrix tr.section th { background: #f0f3f6; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #59636e; }
.cell { text-align: center; white-space: nowrap; font-weight: 600; }
.cell .icon { display: inline-block; width: 1.1em; font-weight: 800; }
.cell .claim { display: block; font-size: 11px; font-weight: 400; opacity: .85; }
.cell.failed { outline: 2px solid var(--bad); outline-offset: -2px; }
ul.findings { margin: 4px 0 10px; padding-left: 20px; } ul.findings li { margin-bottom: 6px; }
ul.findings.failed li { color: var(--bad); }
table.checks { margin-top: 8px; font-size: 12px; }
.checks th, .checks td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
.checks td.num { text-align: right; white-space: nowrap; }
.checks td.st { font-weight: 600; white-space: nowrap; }
summary { cursor: pointer; margin-top: 8px; }
`;

/** A standalone HTML page: summary cards, the colour-coded matrix across brokers, then each broker's findings. */
export function toHtml(report: ConformanceReport): string {
  const brokers = report.brokers;
  const rows = matrixRows(report);
  const guaranteeRows = rows.filter((r) => r.kind === 'guarantee');
  const checkRows = rows.filter((r) => r.kind === 'check');
  const tr = (row: (typeof rows)[number]): string =>
    `<tr data-row="${esc(row.row)}" class="${row.kind}"><th scope="row"><code>${esc(row.row)}</code><div class="desc">${esc(row.description)}</div></th>${brokers
      .map((b) =>
        cell(
          b,
          b.rows.find((r) => r.row === row.row),
        ),
      )
      .join('')}</tr>`;
  const failedAny = brokers.some((b) => b.summary.failed > 0);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>EventPort conformance${failedAny ? ' — FAILED' : ''}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>EventPort conformance</h1>
<p class="meta">${brokers.length} broker${brokers.length === 1 ? '' : 's'} · generated ${esc(report.generatedAt)} by ${esc(report.tool)} · each cell shows the result beside the adapter's claim</p>
<div class="legend"><span class="chip verified">✓ verified: claim proved</span><span class="chip failed">✗ failed: claim disproved</span><span class="chip not-verified">? not verified: undecided</span><span class="chip unsupported">– unsupported: declared</span></div>
</header>
<div class="cards">${brokers.map(brokerCard).join('\n')}</div>
<table class="matrix" id="matrix">
<thead><tr><th>guarantee</th>${brokers.map((b) => `<th class="broker" data-broker="${esc(b.label)}">${esc(b.label)}</th>`).join('')}</tr></thead>
<tbody>
<tr class="section"><th colspan="${brokers.length + 1}">Guarantees (claim declared by the adapter)</th></tr>
${guaranteeRows.map(tr).join('\n')}
<tr class="section"><th colspan="${brokers.length + 1}">Basic checks (required of every adapter)</th></tr>
${checkRows.map(tr).join('\n')}
</tbody>
</table>
${brokers.map(details).join('\n')}
</body>
</html>
`;
}
