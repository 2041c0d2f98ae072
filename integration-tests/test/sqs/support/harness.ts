/**
 * The SQS adapter under the conformance suite, against ElasticMQ and moto. Adds what the suite's
 * jest entry does not have: emulator gaps. Where an emulator cannot do what SQS does, the check is
 * not run on it and its report row says "not verified (emulator gap: …)" — never "passed" and never
 * "unsupported" (the service supports it; the emulator does not).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { connect, silentLogger, type ConnectExtras } from '@eventport/core';
import '@eventport/sqs';
import {
  CHECKS,
  brokerReport,
  openSession,
  render,
  runCheck,
  selectChecks,
  summarize,
  toConformanceReport,
  type BrokerReport,
  type CheckResult,
  type Harness,
  type Session,
  type Timing,
} from '@eventport/conformance';
import { requireEnv } from '../../support/env.js';

export type SqsServer = 'elasticmq' | 'moto';
export type SqsVariant = 'standard' | 'fifo' | 'standard+sns' | 'fifo+sns';

/** Environment variable holding each server's endpoint (set by the integration project's global setup). */
export const ENDPOINT_ENV: Record<SqsServer, string> = {
  elasticmq: 'EVENTPORT_SQS_ENDPOINT',
  moto: 'EVENTPORT_MOTO_ENDPOINT',
};

export const SERVER_TITLE: Record<SqsServer, string> = { elasticmq: 'ElasticMQ', moto: 'moto' };

/**
 * Seconds-granular visibility timeouts make the network presets slow; these keep every wait
 * above SQS's one-second resolution and the whole suite within a couple of minutes per variant.
 */
export const SQS_TIMING: Partial<Timing> = {
  timeoutMs: 30_000,
  quietMs: 1_000,
  leaseMs: 2_000,
  delayMs: 2_000,
  retryDelayMs: 100,
  checkTimeoutMs: 120_000,
};

/**
 * moto is a single Python process: its SNS fan-out takes seconds for what ElasticMQ does in
 * milliseconds, and a FIFO send scans the whole queue (thousands of queued messages make the
 * 2,000-event order check take a minute or more on a busy machine). Waits end as soon as their
 * condition holds, so the longer bounds cost nothing when moto is quick.
 */
const SERVER_TIMING: Record<SqsServer, Partial<Timing>> = {
  elasticmq: SQS_TIMING,
  moto: { ...SQS_TIMING, timeoutMs: 180_000, checkTimeoutMs: 300_000 },
};

/**
 * Adapter settings per server. moto's ReceiveMessage is not atomic (no lock between its visibility
 * test and marking the message received, moto 5.2 sqs/models.py), so concurrent receives on one
 * queue can hand out the same message twice; one ReceiveMessage in flight per consumer avoids that
 * within a consumer (several consumers of one queue still race: see the gaps of the moto suite).
 */
const SERVER_OPTIONS: Record<SqsServer, string> = {
  elasticmq: '',
  moto: '&receiveConcurrency=1',
};

/** The connection URL for a server and variant. */
export function sqsTarget(server: SqsServer, variant: SqsVariant, extra = ''): string {
  const endpoint = requireEnv(ENDPOINT_ENV[server]);
  const fifo = variant.startsWith('fifo');
  const fanOut = variant.endsWith('+sns');
  return `sqs://?endpoint=${encodeURIComponent(endpoint)}&fifo=${fifo}&fanOut=${fanOut}&waitTimeSeconds=2${SERVER_OPTIONS[server]}${extra}`;
}

export function sqsHarness(server: SqsServer, variant: SqsVariant): Harness {
  const target = sqsTarget(server, variant);
  const strict = sqsTarget(server, variant, '&autoCreateTopics=false');
  return {
    label: `sqs (${variant}) on ${SERVER_TITLE[server]}`,
    target,
    timing: SERVER_TIMING[server],
    connect: (extras?: ConnectExtras) => connect(target, { logger: silentLogger, ...extras }),
    connectStrict: (extras?: ConnectExtras) => connect(strict, { logger: silentLogger, ...extras }),
    isNativeClient: (raw) => (raw as { sqs?: unknown } | undefined)?.sqs instanceof SQSClient,
  };
}

/** Check ids or guarantees an emulator cannot verify, with why. */
export type Gaps = Readonly<Record<string, string>>;

export interface SqsConformanceOptions {
  readonly gaps?: Gaps;
  /** Only these checks (ids or guarantees). */
  readonly only?: readonly string[];
  /** Called with the finished report (after gaps were applied). */
  readonly onReport?: (report: BrokerReport) => void;
}

/** The gap that keeps `check` from running, if any. */
function gapOf(gaps: Gaps, id: string, verifies: readonly string[]): string | undefined {
  return gaps[id] ?? verifies.map((g) => gaps[g]).find((r) => r !== undefined);
}

/** Applies gaps to a report: their rows become "not-verified (emulator gap: …)". */
export function withGaps(report: BrokerReport, gaps: Gaps, server: SqsServer): BrokerReport {
  const rows = report.rows.map((row) => {
    const reason = gaps[row.row];
    if (reason === undefined) return row;
    return {
      ...row,
      status: 'not-verified' as const,
      checks: [],
      evidence: undefined,
      reason: gapReason(server, reason),
    };
  });
  return { ...report, rows, summary: summarize(rows, report.checks) };
}

function gapReason(server: SqsServer, reason: string): string {
  return `not verified (emulator gap): ${SERVER_TITLE[server]}: ${reason}`;
}

/** Where reports go (git-ignored). */
export const REPORT_DIR = path.resolve(__dirname, '../../../../reports/conformance');

/**
 * One jest test per check of the suite, against one server and variant; gap checks pass without
 * running and are reported as not verified. Writes `reports/conformance/sqs-<server>-<variant>.{json,md}`.
 */
export function describeSqsConformance(
  server: SqsServer,
  variant: SqsVariant,
  options: SqsConformanceOptions = {},
): void {
  const gaps = options.gaps ?? {};
  const selected = selectChecks(options.only);
  describe(`conformance: sqs (${variant}) on ${SERVER_TITLE[server]}`, () => {
    let session: Session | undefined;
    let startedAt = new Date();
    const results: CheckResult[] = [];

    beforeAll(async () => {
      session = await openSession(sqsHarness(server, variant));
      startedAt = new Date();
    });

    afterAll(() => {
      if (session === undefined) return;
      const report = withGaps(brokerReport(session, CHECKS, results, startedAt), gaps, server);
      options.onReport?.(report);
      mkdirSync(REPORT_DIR, { recursive: true });
      const base = path.join(REPORT_DIR, `sqs-${server}-${variant.replace('+', '-')}`);
      const matrix = toConformanceReport([report]);
      writeFileSync(`${base}.json`, render(matrix, 'json'));
      writeFileSync(`${base}.md`, render(matrix, 'md'));
    });

    for (const check of selected) {
      test(`${check.id}: ${check.title}`, async () => {
        if (session === undefined) throw new Error('the harness did not connect (see the beforeAll error)');
        const gap = gapOf(gaps, check.id, check.verifies);
        if (gap !== undefined) {
          results.push({
            id: check.id,
            title: check.title,
            verifies: [...check.verifies],
            status: 'not-verified',
            durationMs: 0,
            reason: gapReason(server, gap),
          });
          return;
        }
        const result = await runCheck(session, check);
        results.push(result);
        if (result.status === 'failed') {
          const e = result.evidence;
          const lines = [`${result.id} failed: ${e?.summary ?? 'no evidence'}`];
          if (e?.firstBad !== undefined) lines.push(`first bad: ${e.firstBad}`);
          if (e?.counts !== undefined) lines.push(`counts: ${JSON.stringify(e.counts)}`);
          for (const d of e?.details ?? []) lines.push(d);
          throw new Error(lines.join('\n'));
        }
      }, 360_000);
    }
  });
}
