/**
 * The conformance suite over the Event Grid adapter (namespace topics, pull) against EventPort's
 * Event Grid emulator. Where the emulator cannot show what the service does, the check is not run
 * and its report row says "not verified (emulator gap: …)" — never "passed". Writes
 * reports/conformance/eventgrid-emulator-namespace.{json,md}.
 *
 * @brokers eventgrid
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect, silentLogger, type ConnectExtras } from '@eventport/core';
import { NamespaceClient } from '@eventport/eventgrid';
import { render, toConformanceReport, type Harness } from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';
import { requireEnv } from '../support/env.js';

/** Check ids or guarantees the emulator cannot verify, with why. */
const EMULATOR_GAPS: Readonly<Record<string, string>> = {
  'missing-topic':
    'the emulator service runs with topics and subscriptions created on first use (the data plane cannot create them, and the tests need them), so a missing topic is never missing there; a 404 from the service maps to TopicNotFoundError (unit test against a fake namespace)',
};

/**
 * A lock lasts the subscription's lockDurationInSeconds, at least 60 s (service and emulator):
 * the checks of lease-extension run with a 25 s lease, so that their handlers (up to 3 x leaseMs
 * = 75 s) outlast a lock that is not renewed. With the common 2 s lease they would pass without a
 * single renewal.
 */
const LEASE_CHECK_TIMING = { leaseMs: 25_000, checkTimeoutMs: 170_000 };

function harness(): Harness {
  const endpoint = new URL(requireEnv('EVENTPORT_EVENTGRID_ENDPOINT'));
  const target = `eventgrid://${endpoint.host}/conformance?key=${encodeURIComponent(requireEnv('EVENTPORT_EVENTGRID_KEY'))}`;
  return {
    label: 'eventgrid (namespace) on the EventPort emulator',
    target: `eventgrid://${endpoint.host}/conformance`,
    timing: {
      timeoutMs: 30_000,
      quietMs: 1_000,
      leaseMs: 2_000,
      delayMs: 2_000,
      retryDelayMs: 100,
      checkTimeoutMs: 120_000,
    },
    timingFor: (check) => (check.verifies.includes('lease-extension') ? LEASE_CHECK_TIMING : undefined),
    connect: (extras?: ConnectExtras) => connect(target, { logger: silentLogger, ...extras }),
    isNativeClient: (raw) =>
      (raw as { namespace?: unknown } | undefined)?.namespace instanceof NamespaceClient,
    emulatorGaps: EMULATOR_GAPS,
  };
}

const REPORT_BASE = path.resolve(__dirname, '../../../reports/conformance/eventgrid-emulator-namespace');

describeConformance(harness, {
  title: 'conformance: eventgrid (namespace) on the EventPort Event Grid emulator',
  testTimeoutMs: 200_000,
  report: `${REPORT_BASE}.json`,
  onReport: (report) => {
    mkdirSync(path.dirname(REPORT_BASE), { recursive: true });
    writeFileSync(`${REPORT_BASE}.md`, render(toConformanceReport([report]), 'md'));
  },
});
