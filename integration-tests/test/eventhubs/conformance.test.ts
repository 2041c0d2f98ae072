/**
 * The conformance suite over @eventport/eventhubs against the project's Event Hubs emulator, with
 * the blob checkpoint store on Azurite. Where the emulator cannot show what Azure Event Hubs does,
 * the check does not run and its report row says "not verified (emulator gap: why)" — never
 * "passed". The report goes to reports/conformance/eventhubs.{json,md}.
 *
 * @brokers eventhubs azurite
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
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
} from '@eventport/conformance';
import { EventHubsEmulator } from '@eventport/eventhubs-emulator';
import { uniqueName } from '../support/env.js';
import { connectEventHubs } from './support/eventhubs.js';

const REPORT_DIR = path.resolve(__dirname, '../../../reports/conformance');

/** Check ids or guarantees the emulator cannot verify, with why (none at present). */
const GAPS: Readonly<Record<string, string>> = {};

/**
 * The shared emulator creates hubs on first use; Azure does not. The missing-topic check runs
 * against a second emulator in this process started like Azure behaves (no auto-creation).
 */
let strictEmulator: EventHubsEmulator | undefined;

function harness(): Harness {
  const container = uniqueName('conformance');
  const options = { checkpointContainer: container };
  return {
    label: 'eventhubs',
    target: 'eventhubs://127.0.0.1:5672 (emulator) + Azurite',
    timing: {
      timeoutMs: 30_000,
      quietMs: 1_500,
      leaseMs: 3_000,
      delayMs: 1_000,
      retryDelayMs: 50,
      checkTimeoutMs: 120_000,
    },
    connect: (extras) => connectEventHubs(options, extras),
    connectStrict: async (extras) => {
      strictEmulator ??= await EventHubsEmulator.start({ port: 0, hubs: [], autoCreate: false });
      return connectEventHubs({ ...options, connectionString: strictEmulator.connectionString() }, extras);
    },
    close: async () => {
      await strictEmulator?.close();
      strictEmulator = undefined;
    },
    isNativeClient: (raw) =>
      (raw as { producer?: (hub: string) => unknown } | undefined)?.producer?.('native-check') instanceof
      EventHubProducerClient,
  };
}

function gapOf(id: string, verifies: readonly string[]): string | undefined {
  return GAPS[id] ?? verifies.map((g) => GAPS[g]).find((r) => r !== undefined);
}

const gapReason = (why: string): string => `not verified (emulator gap: ${why})`;

function withGaps(report: BrokerReport): BrokerReport {
  const rows = report.rows.map((row) => {
    const reason = GAPS[row.row];
    if (reason === undefined) return row;
    return {
      ...row,
      status: 'not-verified' as const,
      checks: [],
      evidence: undefined,
      reason: gapReason(reason),
    };
  });
  return { ...report, rows, summary: summarize(rows, report.checks) };
}

describe('conformance: eventhubs on the emulator', () => {
  let session: Session | undefined;
  let startedAt = new Date();
  const results: CheckResult[] = [];

  beforeAll(async () => {
    session = await openSession(harness());
    startedAt = new Date();
  }, 60_000);

  afterAll(async () => {
    if (session === undefined) return;
    const report = withGaps(brokerReport(session, CHECKS, results, startedAt));
    mkdirSync(REPORT_DIR, { recursive: true });
    const matrix = toConformanceReport([report]);
    writeFileSync(path.join(REPORT_DIR, 'eventhubs.json'), render(matrix, 'json'));
    writeFileSync(path.join(REPORT_DIR, 'eventhubs.md'), render(matrix, 'md'));
    await session.harness.close?.();
  }, 60_000);

  for (const check of selectChecks(undefined)) {
    test(`${check.id}: ${check.title}`, async () => {
      if (session === undefined) throw new Error('the harness did not connect (see the beforeAll error)');
      const gap = gapOf(check.id, check.verifies);
      if (gap !== undefined) {
        results.push({
          id: check.id,
          title: check.title,
          verifies: [...check.verifies],
          status: 'not-verified',
          durationMs: 0,
          reason: gapReason(gap),
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
