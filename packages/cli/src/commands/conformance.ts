import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  CHECKS,
  STATUS_TEXT,
  formatFor,
  matrixRows,
  mergeReports,
  parseReport,
  passed,
  render,
  runConformance,
  selectChecks,
  summaryLine,
  toConformanceReport,
  urlHarness,
  type BrokerReport,
  type ConformanceReport,
} from '@eventport/conformance';
import { UsageError, flag, int, parse, strs } from '../args.js';
import { println, type CliIo } from '../io.js';
import { progressReporter } from '../progress.js';

export const CONFORMANCE_HELP = `Usage: eventport conformance <url>... [--report FILE]... [--only NAME...]

Runs the conformance suite against each broker URL and prints, for every
guarantee, the adapter's claim beside the result: verified, failed (with
evidence), not verified (why) or unsupported (declared). Which checks run is
decided by the broker's declared capabilities only. Exit code 1 when a claim fails.

Options:
  --report FILE   write the report: .html (standalone page), .md or .json;
                  repeatable; several URLs (and --merge) give one matrix
  --merge FILE    add the brokers of an earlier JSON report to the matrix
  --only NAME     only these checks or guarantees: repeat it, separate by commas,
                  or list several names after it (--only fan-out dead-letter)
  --timeout-ms MS how long a check waits for expected events (default: 5000 for
                  memory://, 60000 for brokers over the network)
  --list          list the checks and the guarantees each verifies
  --verbose       stack traces on errors

Examples:
  eventport conformance memory://
  eventport conformance kafka://127.0.0.1:9092 --report kafka.html
  eventport conformance memory:// --only per-key-order,order.per-key
`;

export async function conformance(args: readonly string[], io: CliIo): Promise<number> {
  const p = parse('conformance', args, {
    report: { type: 'string', multiple: true },
    merge: { type: 'string', multiple: true },
    only: { type: 'string', multiple: true },
    list: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
  });
  if (flag(p, 'help')) {
    io.stdout.write(CONFORMANCE_HELP);
    return 0;
  }
  if (flag(p, 'list')) {
    for (const c of CHECKS)
      println(io.stdout, `${c.id.padEnd(24)} ${c.verifies.length ? c.verifies.join(', ') : '(basic check)'}`);
    return 0;
  }
  // positionals right after an --only value that are not URLs are more --only names
  const extraOnly = (p.trailing.get('only') ?? []).filter((x) => !x.includes('://'));
  const urls = p.positionals.filter((x) => !extraOnly.includes(x));
  const only = [...strs(p, 'only'), ...extraOnly]
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (urls.length === 0)
    throw new UsageError('missing <url> (e.g. eventport conformance memory://)', 'conformance');
  for (const u of urls)
    if (!u.includes('://'))
      throw new UsageError(`"${u}" is not a broker URL (expected scheme://…, e.g. memory://)`, 'conformance');
  const timeoutMs = int(p, 'timeout-ms', 'conformance');
  const reports = strs(p, 'report');
  for (const r of reports) {
    if (formatFor(r) === undefined)
      throw new UsageError(`--report ${r}: use a .html, .md or .json file name`, 'conformance');
  }
  try {
    selectChecks(only);
  } catch (err) {
    throw new UsageError(
      `--only: ${(err as Error).message.replace(/^invalid configuration: only: /, '')}`,
      'conformance',
    );
  }
  const earlier: ConformanceReport[] = [];
  for (const m of strs(p, 'merge')) {
    let text: string;
    try {
      text = await readFile(m, 'utf8');
    } catch (err) {
      throw new UsageError(
        `--merge ${m}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        'conformance',
      );
    }
    try {
      earlier.push(parseReport(text));
    } catch (err) {
      throw new UsageError(`--merge ${m}: ${(err as Error).message}`, 'conformance');
    }
  }

  const results: BrokerReport[] = [];
  const tty = io.stderr.isTTY === true;
  for (const url of urls) {
    const r = await runConformance(
      urlHarness(url, { timing: timeoutMs !== undefined ? { timeoutMs } : undefined }),
      { only, onProgress: progressReporter(io.stdout, io.stderr, tty) },
    );
    // two configurations of one adapter with the same label: tell the columns apart by target
    results.push(
      results.some((x) => x.label === r.label) || urls.length > new Set(urls).size
        ? { ...r, label: `${r.label} ${r.target}` }
        : r,
    );
  }
  const report = mergeReports(...earlier, toConformanceReport(results));
  println(io.stdout);
  println(io.stdout, resultMatrix(report));
  for (const file of reports) {
    const path = resolve(file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, render(report, formatFor(file)!));
    println(io.stdout, `report written to ${file}`);
  }
  return passed(report) ? 0 : 1;
}

/** The claim-beside-result matrix as text. */
export function resultMatrix(report: ConformanceReport): string {
  const rows = matrixRows(report);
  const w0 = Math.max(...rows.map((r) => r.row.length), 9);
  const cellOf = (b: BrokerReport, row: string): string => {
    const r = b.rows.find((x) => x.row === row);
    if (r === undefined) return '-';
    const mark =
      r.status === 'verified' ? '✓' : r.status === 'failed' ? '✗' : r.status === 'not-verified' ? '?' : '–';
    return r.kind === 'guarantee' && r.status !== 'unsupported'
      ? `${mark} ${STATUS_TEXT[r.status]} (${r.claim.level})`
      : `${mark} ${STATUS_TEXT[r.status]}`;
  };
  const widths = report.brokers.map((b) =>
    Math.max(b.label.length, ...rows.map((r) => cellOf(b, r.row).length)),
  );
  const line = (first: string, cells: string[]): string =>
    `${first.padEnd(w0)}  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  const out = [
    line(
      'guarantee',
      report.brokers.map((b) => b.label),
    ),
    line(
      '-'.repeat(w0),
      widths.map((w) => '-'.repeat(w)),
    ),
  ];
  for (const r of rows)
    out.push(
      line(
        r.row,
        report.brokers.map((b) => cellOf(b, r.row)),
      ),
    );
  out.push('');
  for (const b of report.brokers) {
    out.push(`${b.label}: ${summaryLine(b)}`);
    for (const r of b.rows.filter((x) => x.status === 'failed')) {
      out.push(
        `  ✗ ${r.row} (claimed ${r.claim.level}): ${r.evidence?.summary ?? ''}${r.evidence?.firstBad ? ` — first bad: ${r.evidence.firstBad}` : ''}`,
      );
    }
  }
  return out.join('\n');
}
