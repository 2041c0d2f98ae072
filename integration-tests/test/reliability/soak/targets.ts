/**
 * What the soak runs against, and the faults it cycles on each. Real brokers are private nodes
 * started here (free loopback ports), never the shared ones: killing them disturbs nobody.
 */
import type { ConsumerOptions } from '@eventport/core';
import '@eventport/memory';
import '@eventport/kafka';
import '@eventport/sqs';
import { PrivateKafka } from '../../kafka/support/private-kafka.js';
import { TEST_QUERY } from '../../kafka/support/kafka.js';
import { SwitchableProxy } from '../../sqs/support/proxy.js';
import { PrivateElasticMq } from './private-elasticmq.js';

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

export const TARGETS = ['memory', 'kafka', 'elasticmq'] as const;
export type TargetName = (typeof TARGETS)[number];

export async function openTarget(name: TargetName): Promise<SoakTarget> {
  switch (name) {
    case 'memory':
      return memory();
    case 'kafka':
      return kafka();
    case 'elasticmq':
      return elasticMq();
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
