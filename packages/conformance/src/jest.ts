/**
 * `@eventport/conformance/jest`: the suite as jest tests. Kept apart from the
 * main entry so that importing `@eventport/conformance` never touches jest's
 * globals (this module uses them only when `describeConformance` is called).
 *
 * ```ts
 * import { describeConformance } from '@eventport/conformance/jest';
 * import { urlHarness } from '@eventport/conformance';
 * describeConformance(() => urlHarness('kafka://127.0.0.1:9092'));
 * ```
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Harness } from './harness.js';
import {
  formatFor,
  render,
  toConformanceReport,
  type BrokerReport,
  type CheckResult,
} from './report/index.js';
import { CHECKS } from './checks/index.js';
import { brokerReport, openSession, runCheck, selectChecks, type Session } from './runner.js';

export interface DescribeConformanceOptions {
  /** The describe block's title (default "EventPort conformance"). */
  title?: string;
  /** Only these checks (ids) or guarantees. */
  only?: readonly string[];
  /** jest timeout of each check's test (default 5 minutes; each check bounds itself by its timing too). */
  testTimeoutMs?: number;
  /** Writes the report here after the run (.json, .md or .html). */
  report?: string;
  /** Receives the broker's report after the run. */
  onReport?: (report: BrokerReport) => void;
}

/**
 * Declares one jest test per check. A check whose required guarantees the broker
 * declares unsupported passes without running (the report says "skipped"): the
 * declarations decide, never the test's name. A failed claim fails its test with
 * the evidence.
 */
export function describeConformance(
  makeHarness: () => Harness | Promise<Harness>,
  options: DescribeConformanceOptions = {},
): void {
  const timeout = options.testTimeoutMs ?? 300_000;
  const selected = selectChecks(options.only);
  describe(options.title ?? 'EventPort conformance', () => {
    let session: Session | undefined;
    let startedAt = new Date();
    const results: CheckResult[] = [];

    beforeAll(async () => {
      session = await openSession(await makeHarness());
      startedAt = new Date();
    }, timeout);

    afterAll(async () => {
      if (session === undefined) return;
      const report = brokerReport(session, CHECKS, results, startedAt);
      options.onReport?.(report);
      if (options.report !== undefined) {
        mkdirSync(dirname(options.report), { recursive: true });
        writeFileSync(
          options.report,
          render(toConformanceReport([report]), formatFor(options.report) ?? 'json'),
        );
      }
      await session.harness.close?.();
    }, timeout);

    for (const check of selected) {
      it(
        `${check.id}: ${check.title}`,
        async () => {
          if (session === undefined) throw new Error('the harness did not connect (see the beforeAll error)');
          const result = await runCheck(session, check);
          results.push(result);
          if (result.status === 'failed') throw new Error(failureMessage(result));
        },
        timeout,
      );
    }
  });
}

function failureMessage(r: CheckResult): string {
  const e = r.evidence;
  const lines = [`${r.id} failed: ${e?.summary ?? 'no evidence'}`];
  if (e?.firstBad !== undefined) lines.push(`first bad: ${e.firstBad}`);
  if (e?.counts !== undefined) lines.push(`counts: ${JSON.stringify(e.counts)}`);
  for (const d of e?.details ?? []) lines.push(d);
  return lines.join('\n');
}
