/**
 * The Pub/Sub adapter under the conformance suite, on Google's emulator, with emulator gaps: a
 * check the emulator cannot decide is not run and its result says "not verified (emulator gap:
 * why)" — never passed, never unsupported (the service does it; the emulator does not).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { silentLogger, connect } from '@eventport/core';
import '@eventport/pubsub';
import {
  CHECKS,
  brokerReport,
  openSession,
  render,
  runCheck,
  selectChecks,
  toConformanceReport,
  type CheckResult,
  type Harness,
  type Session,
  type Timing,
} from '@eventport/conformance';
import { pubsubUrl } from './pubsub.js';

/**
 * Ack deadlines are whole seconds and at least 10 s, so leases are 10 s; the other waits end as
 * soon as their condition holds.
 */
export const PUBSUB_TIMING: Partial<Timing> = {
  timeoutMs: 30_000,
  quietMs: 1_000,
  leaseMs: 10_000,
  delayMs: 2_000,
  retryDelayMs: 100,
  checkTimeoutMs: 120_000,
};

/** Check ids the emulator cannot decide, with why. */
export type Gaps = Readonly<Record<string, string>>;

export function pubsubHarness(extra: string, label: string): Harness {
  const target = pubsubUrl(`&pullTimeoutMs=2000${extra}`);
  const strict = `${target}&autoCreateTopics=false`;
  return {
    label,
    target,
    timing: PUBSUB_TIMING,
    connect: (extras) => connect(target, { logger: silentLogger, ...extras }),
    connectStrict: (extras) => connect(strict, { logger: silentLogger, ...extras }),
    isNativeClient: (raw) => (raw as { pubsub?: unknown } | undefined)?.pubsub instanceof PubSub,
  };
}

const REPORT_DIR = path.resolve(__dirname, '../../../../reports/conformance');

/** One jest test per selected check; gap checks pass without running and are reported not verified. */
export function describePubSubConformance(options: {
  readonly extra: string;
  readonly label: string;
  readonly report: string;
  readonly gaps?: Gaps;
  readonly only?: readonly string[];
}): void {
  const gaps = options.gaps ?? {};
  const selected = selectChecks(options.only);
  describe(`conformance: ${options.label}`, () => {
    let session: Session | undefined;
    let startedAt = new Date();
    const results: CheckResult[] = [];

    beforeAll(async () => {
      session = await openSession(pubsubHarness(options.extra, options.label));
      startedAt = new Date();
    });

    afterAll(() => {
      if (session === undefined) return;
      const report = brokerReport(session, selected, results, startedAt);
      mkdirSync(REPORT_DIR, { recursive: true });
      const matrix = toConformanceReport([report]);
      writeFileSync(path.join(REPORT_DIR, `${options.report}.json`), render(matrix, 'json'));
      writeFileSync(path.join(REPORT_DIR, `${options.report}.md`), render(matrix, 'md'));
    });

    for (const check of selected) {
      test(`${check.id}: ${check.title}`, async () => {
        if (session === undefined) throw new Error('the harness did not connect (see the beforeAll error)');
        const gap = gaps[check.id];
        if (gap !== undefined) {
          results.push({
            id: check.id,
            title: check.title,
            verifies: [...check.verifies],
            status: 'not-verified',
            durationMs: 0,
            reason: `not verified (emulator gap: ${gap})`,
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
      }, 150_000);
    }
  });
}

export { CHECKS };
