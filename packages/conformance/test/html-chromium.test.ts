// The HTML report in a real browser: headless Chromium (Debian's package, installed
// by scripts/ensure-chromium.sh when missing) loads a report of two brokers, the
// rendered DOM holds the matrix, and a screenshot shows its colours.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemoryBroker } from '@eventport/memory';
import {
  mergeReports,
  runConformance,
  toHtml,
  urlHarness,
  type ConformanceReport,
} from '@eventport/conformance';
import { countColour, decodePng } from './png';

const ensure = resolve(__dirname, '../scripts/ensure-chromium.sh');
const out = process.env.EVENTPORT_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'eventport-html-'));
let chromium = '';
let report: ConformanceReport;
let page = '';

function browser(...args: string[]) {
  const profile = mkdtempSync(join(tmpdir(), 'eventport-chromium-'));
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--hide-scrollbars',
    '--force-device-scale-factor=1',
  ];
  const r = spawnSync(chromium, [...flags, ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  chromium = execFileSync('bash', [ensure], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const clean = `html-clean-${process.pid}`;
  const broken = `html-broken-${process.pid}`;
  const only = ['round-trip', 'fan-out', 'per-key-order', 'dead-letter', 'exactly-once', 'escape-hatch'];
  try {
    const [a, b] = await Promise.all([
      runConformance(urlHarness(`memory://${clean}`), { only }),
      runConformance(urlHarness(`memory://${broken}?fault=drop,reorder`, { timing: { timeoutMs: 1_000 } }), {
        only,
      }),
    ]);
    report = mergeReports(a, b);
  } finally {
    MemoryBroker.reset(clean);
    MemoryBroker.reset(broken);
  }
  mkdirSync(out, { recursive: true });
  page = join(out, 'conformance.html');
  writeFileSync(page, toHtml(report));
}, 16 * 60_000);

it('Chromium renders the matrix: one row per guarantee and basic check, one colour-coded cell per broker', () => {
  const dom = browser('--dump-dom', `file://${page}`);
  const heads = [...dom.matchAll(/<th class="broker" data-broker="([^"]+)">/g)].map((m) => m[1]);
  expect(heads).toEqual(['memory', 'memory (faulty)']);
  const rows = [...dom.matchAll(/<tr data-row="([^"]+)" class="(guarantee|check)">/g)].map((m) => m[1]);
  expect(rows).toHaveLength(report.brokers[0]!.rows.length);
  expect(rows.slice(0, 3)).toEqual(['publish.at-most-once', 'publish.at-least-once', 'publish.idempotent']);
  const cell = (broker: string, row: string) =>
    new RegExp(
      `<td class="cell ([a-z-]+)" data-broker="${broker.replace(/[()]/g, '\\$&')}" data-row="${row.replace(/\./g, '\\.')}" data-status="\\1"`,
    ).exec(dom)?.[1];
  expect(cell('memory', 'fan-out')).toBe('verified');
  expect(cell('memory (faulty)', 'fan-out')).toBe('failed');
  expect(cell('memory (faulty)', 'order.per-key')).toBe('failed');
  expect(cell('memory (faulty)', 'consume.exactly-once')).toBe('failed');
  expect(cell('memory', 'order.global')).toBe('unsupported');
  expect(cell('memory', 'replay')).toBe('not-verified');
  expect(cell('memory', 'round-trip')).toBe('verified');
  expect(dom).toMatch(/<span class="badge ok">all claims hold<\/span>/);
  expect(dom).toMatch(/<span class="badge bad">\d+ claims failed<\/span>/);
  expect(dom).toMatch(/first bad: event #9 never arrived/);
});

it('the screenshot shows green, red, amber and grey cells', () => {
  const png = join(out, 'conformance.png');
  browser('--window-size=1280,1800', `--screenshot=${png}`, `file://${page}`);
  const img = decodePng(readFileSync(png));
  expect([img.width, img.height]).toEqual([1280, 1800]);
  // the cell backgrounds of report/html.ts: verified, failed, not verified, unsupported
  const area = {
    verified: countColour(img, '#d3f5d8'),
    failed: countColour(img, '#ffd8d3'),
    notVerified: countColour(img, '#fff0bf'),
    unsupported: countColour(img, '#eceff1'),
  };
  for (const [status, pixels] of Object.entries(area))
    expect([status, pixels > 2_000]).toEqual([status, true]);
  process.stdout.write(`screenshot: ${png}\n`);
});
