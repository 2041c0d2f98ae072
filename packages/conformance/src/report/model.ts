import {
  GUARANTEE_NAMES,
  GUARANTEES,
  type CapabilityReport,
  type Guarantee,
  type SupportLevel,
} from '@eventport/core';
import type { Check, Evidence } from '../check.js';

export const REPORT_FORMAT = 'eventport-conformance';
export const REPORT_VERSION = 1;
export const TOOL_VERSION = '0.1.0';

/** The result of one check. "skipped": a guarantee it needs is declared unsupported (or it was not selected). */
export type CheckStatus = 'passed' | 'failed' | 'not-verified' | 'skipped';

/** The result for one guarantee: the claim proved, disproved, undecided, or declared unsupported. */
export type GuaranteeStatus = 'verified' | 'failed' | 'not-verified' | 'unsupported';

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly verifies: readonly string[];
  readonly status: CheckStatus;
  readonly durationMs: number;
  /** What was observed (passed and failed checks). */
  readonly evidence?: Evidence;
  /** Why it was skipped or not verified. */
  readonly reason?: string;
}

export interface Claim {
  readonly level: SupportLevel;
  readonly detail: string;
  readonly limit?: number;
}

/** A row of the matrix for one broker: a guarantee (claim beside result) or a basic check. */
export interface RowResult {
  /** Guarantee name, or the id of a basic check. */
  readonly row: string;
  readonly kind: 'guarantee' | 'check';
  readonly description: string;
  /** The adapter's declaration (guarantees); basic checks are claimed by every adapter. */
  readonly claim: Claim;
  readonly status: GuaranteeStatus;
  /** Checks that decided the status. */
  readonly checks: readonly string[];
  readonly evidence?: Evidence;
  readonly reason?: string;
}

export interface BrokerReport {
  /** Column label, e.g. "memory" or "sqs (fifo)". */
  readonly label: string;
  readonly broker: string;
  readonly variant: string;
  /** The target, secrets removed. */
  readonly target: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly summary: {
    readonly verified: number;
    readonly failed: number;
    readonly notVerified: number;
    readonly unsupported: number;
    readonly checksRun: number;
    readonly checksFailed: number;
  };
  /** One row per guarantee of the vocabulary, then one per basic check. */
  readonly rows: readonly RowResult[];
  readonly checks: readonly CheckResult[];
}

/** One or more brokers' reports: the matrix. */
export interface ConformanceReport {
  readonly format: typeof REPORT_FORMAT;
  readonly version: typeof REPORT_VERSION;
  readonly tool: string;
  readonly generatedAt: string;
  readonly brokers: readonly BrokerReport[];
}

const BASIC_CLAIM: Claim = { level: 'native', detail: 'required of every adapter' };

/**
 * Computes the rows of one broker's report: the declared claim beside what the checks found. A
 * guarantee no check proves, named in `emulatorGaps`, says "not verified (emulator gap: why)".
 */
export function buildRows(
  capabilities: CapabilityReport,
  suite: readonly Check[],
  results: readonly CheckResult[],
  emulatorGaps: Readonly<Record<string, string>> = {},
): RowResult[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  const rows: RowResult[] = [];
  for (const g of GUARANTEE_NAMES) {
    const cap = capabilities.get(g);
    const claim: Claim =
      cap.limit === undefined
        ? { level: cap.level, detail: cap.detail }
        : { level: cap.level, detail: cap.detail, limit: cap.limit };
    const proving = suite.filter((c) => c.verifies.includes(g)).map((c) => c.id);
    if (cap.level === 'unsupported') {
      rows.push({
        row: g,
        kind: 'guarantee',
        description: GUARANTEES[g],
        claim,
        status: 'unsupported',
        checks: [],
        reason: cap.detail,
      });
      continue;
    }
    const gap = proving.length === 0 ? emulatorGaps[g] : undefined;
    const found =
      gap === undefined
        ? decide(g, proving, byId)
        : { status: 'not-verified' as const, checks: [], reason: `not verified (emulator gap: ${gap})` };
    rows.push({ row: g, kind: 'guarantee', description: GUARANTEES[g], claim, ...found });
  }
  for (const check of suite) {
    if (!check.ownRow) continue;
    rows.push({
      row: check.id,
      kind: 'check',
      description: check.title,
      claim: BASIC_CLAIM,
      ...decide(check.id, [check.id], byId),
    });
  }
  return rows;
}

function decide(
  row: string,
  proving: readonly string[],
  results: ReadonlyMap<string, CheckResult>,
): Pick<RowResult, 'status' | 'checks' | 'evidence' | 'reason'> {
  if (proving.length === 0)
    return { status: 'not-verified', checks: [], reason: `the suite has no portable check for ${row}` };
  const ran = proving.map((id) => results.get(id)).filter((r): r is CheckResult => r !== undefined);
  if (ran.length === 0)
    return { status: 'not-verified', checks: [...proving], reason: 'not selected in this run' };
  const failed = ran.find((r) => r.status === 'failed');
  if (failed !== undefined)
    return {
      status: 'failed',
      checks: [failed.id],
      evidence: failed.evidence,
      reason: `${failed.id}: ${failed.evidence?.summary ?? 'failed'}`,
    };
  const undecided = ran.filter((r) => r.status !== 'passed');
  if (undecided.length > 0) {
    const r = undecided[0]!;
    return {
      status: 'not-verified',
      checks: ran.map((x) => x.id),
      reason: `${r.id}: ${r.reason ?? r.status}`,
    };
  }
  const evidence =
    ran.length === 1
      ? ran[0]!.evidence
      : { summary: ran.map((r) => `${r.id}: ${r.evidence?.summary ?? 'passed'}`).join('; ') };
  return { status: 'verified', checks: ran.map((r) => r.id), evidence };
}

/** Counts for the summary line. */
export function summarize(
  rows: readonly RowResult[],
  checks: readonly CheckResult[],
): BrokerReport['summary'] {
  return {
    verified: rows.filter((r) => r.status === 'verified').length,
    failed: rows.filter((r) => r.status === 'failed').length,
    notVerified: rows.filter((r) => r.status === 'not-verified').length,
    unsupported: rows.filter((r) => r.status === 'unsupported').length,
    checksRun: checks.filter(
      (c) => c.status === 'passed' || c.status === 'failed' || c.status === 'not-verified',
    ).length,
    checksFailed: checks.filter((c) => c.status === 'failed').length,
  };
}

/** Wraps broker reports into one matrix. */
export function toConformanceReport(brokers: readonly BrokerReport[]): ConformanceReport {
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    tool: `@eventport/conformance ${TOOL_VERSION}`,
    generatedAt: new Date().toISOString(),
    brokers: [...brokers],
  };
}

/**
 * Merges reports (matrices or single brokers) into one matrix. A broker label
 * that appears more than once keeps its latest run.
 */
export function mergeReports(...reports: readonly (ConformanceReport | BrokerReport)[]): ConformanceReport {
  const byLabel = new Map<string, BrokerReport>();
  for (const r of reports) {
    for (const b of 'brokers' in r ? r.brokers : [r]) {
      const prev = byLabel.get(b.label);
      if (prev === undefined || prev.startedAt <= b.startedAt) {
        byLabel.delete(b.label);
        byLabel.set(b.label, b);
      }
    }
  }
  return toConformanceReport([...byLabel.values()]);
}

/** Whether no claim failed. */
export function passed(report: ConformanceReport | BrokerReport): boolean {
  const brokers = 'brokers' in report ? report.brokers : [report];
  return brokers.every((b) => b.rows.every((r) => r.status !== 'failed'));
}

/** Parses a JSON report written by {@link toJson} (or a single broker's report). @throws Error when it is not one. */
export function parseReport(text: string): ConformanceReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`not a conformance report: invalid JSON (${(err as Error).message})`);
  }
  const o = data as Partial<ConformanceReport> & Partial<BrokerReport>;
  if (o !== null && typeof o === 'object' && o.format === REPORT_FORMAT && Array.isArray(o.brokers)) {
    if (o.version !== REPORT_VERSION)
      throw new Error(`unsupported conformance report version ${String(o.version)}`);
    for (const b of o.brokers) checkBroker(b);
    return o as ConformanceReport;
  }
  if (o !== null && typeof o === 'object' && typeof o.label === 'string' && Array.isArray(o.rows)) {
    checkBroker(o as BrokerReport);
    return toConformanceReport([o as BrokerReport]);
  }
  throw new Error(`not a conformance report (expected "format": "${REPORT_FORMAT}")`);
}

function checkBroker(b: BrokerReport): void {
  if (typeof b?.label !== 'string' || !Array.isArray(b.rows) || !Array.isArray(b.checks)) {
    throw new Error('not a conformance report: a broker entry lacks label, rows or checks');
  }
}

/** The report as JSON text. */
export function toJson(report: ConformanceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Matrix rows in display order: the vocabulary, then the basic checks (in first-seen order). */
export function matrixRows(
  report: ConformanceReport,
): { row: string; kind: 'guarantee' | 'check'; description: string }[] {
  const out: { row: string; kind: 'guarantee' | 'check'; description: string }[] = GUARANTEE_NAMES.map(
    (g: Guarantee) => ({
      row: g,
      kind: 'guarantee',
      description: GUARANTEES[g],
    }),
  );
  const seen = new Set<string>(out.map((r) => r.row));
  for (const b of report.brokers) {
    for (const r of b.rows) {
      if (seen.has(r.row)) continue;
      seen.add(r.row);
      out.push({ row: r.row, kind: r.kind, description: r.description });
    }
  }
  return out;
}

export const STATUS_TEXT: Readonly<Record<GuaranteeStatus, string>> = {
  verified: 'verified',
  failed: 'FAILED',
  'not-verified': 'not verified',
  unsupported: 'unsupported',
};
