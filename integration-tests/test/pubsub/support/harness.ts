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
import { render, toConformanceReport, type Harness, type Timing } from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';
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

/**
 * One jest test per selected check (core's describeConformance); checks named in `gaps` are not
 * run and are reported "not verified (emulator gap: why)" through the harness's emulatorGaps.
 */
export function describePubSubConformance(options: {
  readonly extra: string;
  readonly label: string;
  readonly report: string;
  readonly gaps?: Gaps;
  readonly only?: readonly string[];
}): void {
  const base = path.join(REPORT_DIR, options.report);
  describeConformance(
    () => ({ ...pubsubHarness(options.extra, options.label), emulatorGaps: options.gaps ?? {} }),
    {
      title: `conformance: ${options.label}`,
      only: options.only,
      testTimeoutMs: 150_000,
      report: `${base}.json`,
      onReport: (report) => {
        mkdirSync(REPORT_DIR, { recursive: true });
        writeFileSync(`${base}.md`, render(toConformanceReport([report]), 'md'));
      },
    },
  );
}
