/**
 * What the soak runs against, and the faults it cycles on each. Real brokers are private nodes
 * started here (free loopback ports), never the shared ones: killing them disturbs nobody.
 */
import type { ConsumerOptions } from '@eventport/core';
import '@eventport/memory';
import '@eventport/kafka';
import '@eventport/sqs';
import '@eventport/pubsub';
import '@eventport/eventgrid';
import { PrivateKafka } from '../../kafka/support/private-kafka.js';
import { TEST_QUERY } from '../../kafka/support/kafka.js';
import { SwitchableProxy } from '../../sqs/support/proxy.js';
import { PrivateElasticMq } from './private-elasticmq.js';

/** Endpoint of a shared emulator (the soak only cuts the network in front of those, never kills them). */
function sharedEndpoint(variable: string, fallback: string): URL {
  const value = process.env[variable] ?? fallback;
  return new URL(value.includes('://') ? value : `http://${value}`);
}

/** A fault: `inject` starts the outage, `heal` ends it (and resolves once the broker answers again). */
export interface Fault {
  readonly name: string;
  inject(): Promise<void>;
  heal(): Promise<void>;
}

export interface SoakTarget {
  readonly name: string;
  /** Settings shown in the results (faults, timings). */
  readonly settings: string;
  readonly url: string;
  readonly consumer: ConsumerOptions;
  /**
   * Faults cycled in turn: `kill`, `cut` (network), `consumer-crash` (done by the runner: the
   * subscription closed without drain and reopened).
   */
  readonly faults: readonly (Fault | 'consumer-crash')[];
  teardown(): Promise<void>;
}

export const TARGETS = ['memory', 'kafka', 'elasticmq', 'pubsub', 'eventgrid'] as const;
export type TargetName = (typeof TARGETS)[number];

export async function openTarget(name: TargetName): Promise<SoakTarget> {
  switch (name) {
    case 'memory':
      return memory();
    case 'kafka':
      return kafka();
    case 'elasticmq':
      return elasticMq();
    case 'pubsub':
      return networkCutsOnly('pubsub');
    case 'eventgrid':
      return networkCutsOnly('eventgrid');
  }
}

/** The embedded broker with faults a consumer must survive: lost acks and duplicated deliveries. */
function memory(): SoakTarget {
  const faults = 'crashBeforeAck,duplicate';
  return {
    name: 'memory (fault-injected)',
    settings: `fault=${faults}, faultEvery=50, leaseMs=1000; consumer crash (close without drain, reopen) each period`,
    url: `memory://soak-${process.pid}?fault=${faults}&faultEvery=50`,
    consumer: { group: 'soak', from: 'earliest', concurrency: 8, ordering: 'per-key', leaseMs: 1_000 },
    faults: ['consumer-crash'],
    teardown: () => Promise.resolve(),
  };
}

/** A private Kafka node, SIGKILLed and restarted (its data kept) each period. */
async function kafka(): Promise<SoakTarget> {
  const node = await PrivateKafka.create();
  await node.start(true);
  return {
    name: 'kafka (private node)',
    settings: `SIGKILL + restart each period; ${TEST_QUERY}`,
    url: `kafka://${node.endpoint}?${TEST_QUERY}`,
    consumer: { group: 'soak', from: 'earliest', concurrency: 8, ordering: 'per-key' },
    faults: [
      {
        name: 'kill',
        inject: () => node.kill(),
        heal: async () => void (await node.start(false)),
      },
    ],
    teardown: () => node.destroy(),
  };
}

/**
 * A private ElasticMQ node (FIFO queue, persisted) behind a switchable proxy: network cuts and
 * SIGKILL + restart in turn.
 */
async function elasticMq(): Promise<SoakTarget> {
  const node = await PrivateElasticMq.create();
  await node.start();
  const proxy = new SwitchableProxy('127.0.0.1', node.port);
  await proxy.on();
  return {
    name: 'sqs on ElasticMQ (private node, FIFO)',
    settings: 'network cut (proxy resets and refuses) and SIGKILL + restart in turn; messages persisted (H2)',
    url: `sqs://?endpoint=${encodeURIComponent(proxy.url)}&fifo=true&waitTimeSeconds=1`,
    consumer: { group: 'soak', concurrency: 8, ordering: 'per-key', leaseMs: 5_000 },
    faults: [
      { name: 'cut', inject: () => proxy.off(), heal: () => proxy.on() },
      { name: 'kill', inject: () => node.kill(), heal: async () => void (await node.start()) },
    ],
    teardown: async () => {
      await proxy.off();
      await node.destroy();
    },
  };
}

/**
 * A shared emulator behind a switchable proxy: network cuts only (the emulator is shared with other
 * runs and never killed here). Pub/Sub's emulator (ordering keys: per-key order claimed) on
 * PUBSUB_EMULATOR_HOST (default 127.0.0.1:8085); EventPort's Event Grid emulator (no order claimed)
 * on EVENTPORT_EVENTGRID_ENDPOINT (default http://127.0.0.1:6500, key eventport-dev-key).
 */
async function networkCutsOnly(kind: 'pubsub' | 'eventgrid'): Promise<SoakTarget> {
  const endpoint =
    kind === 'pubsub'
      ? sharedEndpoint('PUBSUB_EMULATOR_HOST', '127.0.0.1:8085')
      : sharedEndpoint('EVENTPORT_EVENTGRID_ENDPOINT', 'http://127.0.0.1:6500');
  const proxy = new SwitchableProxy(endpoint.hostname, Number(endpoint.port));
  await proxy.on();
  const via = new URL(proxy.url).host;
  const url =
    kind === 'pubsub'
      ? `pubsub://${process.env.PUBSUB_PROJECT_ID ?? 'eventport-test'}?emulatorHost=${encodeURIComponent(via)}&pullTimeoutMs=2000&publishTimeoutMs=2000`
      : `eventgrid://${via}/soak?key=${encodeURIComponent(process.env.EVENTPORT_EVENTGRID_KEY ?? 'eventport-dev-key')}`;
  if (kind === 'pubsub') process.env.METADATA_SERVER_DETECTION = 'none'; // never probe a metadata server
  return {
    name:
      kind === 'pubsub'
        ? 'pubsub (shared emulator, ordering keys)'
        : 'eventgrid (shared emulator; order not claimed)',
    settings: 'network cut (proxy resets and refuses) each period; the emulator keeps its state',
    url,
    consumer: { group: 'soak', concurrency: 8, ordering: 'per-key', leaseMs: 10_000 },
    faults: [{ name: 'cut', inject: () => proxy.off(), heal: () => proxy.on() }],
    teardown: () => proxy.off(),
  };
}
