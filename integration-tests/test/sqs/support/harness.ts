/**
 * The SQS adapter under the conformance suite, against ElasticMQ and moto. Where an emulator cannot
 * do what SQS does, the harness declares an emulator gap: the check is not run on it and its report
 * row says "not verified (emulator gap: …)" — never "passed" and never "unsupported" (the service
 * supports it; the emulator does not).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { connect, silentLogger, type ConnectExtras } from '@eventport/core';
import '@eventport/sqs';
import {
  render,
  toConformanceReport,
  type BrokerReport,
  type Harness,
  type Timing,
} from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';
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

/**
 * moto answers a ChangeMessageVisibilityBatch in 0.4-0.8 s on this busy machine, more than the
 * renewal margin a 2 s lease leaves (the lease keeper renews a sixth of a lease before the end):
 * per-key-order-near-lease, whose handlers run up to 0.6 of the lease, measured moto's latency
 * instead of EventPort. It runs with a 6 s lease there, so a renewal has 1 s to land.
 */
const SERVER_TIMING_FOR: Record<SqsServer, Harness['timingFor']> = {
  elasticmq: undefined,
  moto: (check) => (check.id === 'per-key-order-near-lease' ? { leaseMs: 6_000 } : undefined),
};

export function sqsHarness(server: SqsServer, variant: SqsVariant): Harness {
  const target = sqsTarget(server, variant);
  const strict = sqsTarget(server, variant, '&autoCreateTopics=false');
  return {
    label: `sqs (${variant}) on ${SERVER_TITLE[server]}`,
    target,
    timing: SERVER_TIMING[server],
    timingFor: SERVER_TIMING_FOR[server],
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
  /** Called with the finished report. */
  readonly onReport?: (report: BrokerReport) => void;
}

/** Where reports go (git-ignored). */
export const REPORT_DIR = path.resolve(__dirname, '../../../../reports/conformance');

/**
 * The conformance suite's jest entry against one server and variant, with the server's emulator
 * gaps declared on the harness (their checks do not run and are reported "not verified (emulator
 * gap: …)"). Writes `reports/conformance/sqs-<server>-<variant>.{json,md}`.
 */
export function describeSqsConformance(
  server: SqsServer,
  variant: SqsVariant,
  options: SqsConformanceOptions = {},
): void {
  const base = path.join(REPORT_DIR, `sqs-${server}-${variant.replace('+', '-')}`);
  const emulatorGaps = Object.fromEntries(
    Object.entries(options.gaps ?? {}).map(([key, why]) => [key, `${SERVER_TITLE[server]}: ${why}`]),
  );
  describeConformance(() => ({ ...sqsHarness(server, variant), emulatorGaps }), {
    title: `conformance: sqs (${variant}) on ${SERVER_TITLE[server]}`,
    only: options.only,
    testTimeoutMs: 360_000,
    report: `${base}.json`,
    onReport: (report) => {
      mkdirSync(REPORT_DIR, { recursive: true });
      writeFileSync(`${base}.md`, render(toConformanceReport([report]), 'md'));
      options.onReport?.(report);
    },
  });
}
