/**
 * What the soak runs against, and the faults it cycles on each. Real brokers are private nodes
 * started here (free loopback ports), never the shared ones: killing them disturbs nobody. Every
 * real broker's clients reach it through a switchable proxy (a network cut resets every connection
 * and refuses new ones), and every one is also SIGKILLed and restarted in turn.
 */
import type { connect, ConsumerOptions } from '@eventport/core';
import '@eventport/memory';
import '@eventport/kafka';
import '@eventport/sqs';
import '@eventport/pubsub';
import '@eventport/eventgrid';
import '@eventport/eventhubs';
import { azuriteConnectionString } from '../../../src/brokers/services/azurite.js';
import { EVENTGRID_KEY } from '../../../src/brokers/services/eventgrid.js';
import { PrivateKafka } from '../../kafka/support/private-kafka.js';
import { TEST_QUERY } from '../../kafka/support/kafka.js';
import { PrivateEmulator as PrivatePubSub } from '../../pubsub/support/private-emulator.js';
import { SwitchableProxy } from '../../sqs/support/proxy.js';
import { PrivateElasticMq } from './private-elasticmq.js';
import { PrivateEmulatorNode } from './private-emulator-node.js';

/**
 * A fault: `inject` starts the outage, `heal` ends it (and resolves once the broker answers again).
 * `emptiesBroker`: the broker keeps nothing across it (an in-memory emulator killed): what was
 * acknowledged and not yet handled when it struck is lost by design, and the runner counts those
 * events apart; after `heal` it creates the topic again and replaces the subscription (what an
 * operator does after such a restart).
 */
export interface Fault {
  readonly name: string;
  readonly emptiesBroker?: boolean;
  inject(): Promise<void>;
  heal(): Promise<void>;
}

const proxyPort = (proxy: SwitchableProxy): number => Number(new URL(proxy.url).port);

export interface SoakTarget {
  readonly name: string;
  /** Settings shown in the results (faults, timings). */
  readonly settings: string;
  readonly url: Parameters<typeof connect>[0];
  readonly consumer: ConsumerOptions;
  /**
   * Faults cycled in turn: `kill`, `cut` (network), `consumer-crash` (done by the runner: the
   * subscription closed without drain and reopened).
   */
  readonly faults: readonly (Fault | 'consumer-crash')[];
  teardown(): Promise<void>;
}

export const TARGETS = ['memory', 'kafka', 'elasticmq', 'pubsub', 'eventgrid', 'eventhubs'] as const;
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
      return pubsub();
    case 'eventgrid':
      return eventGrid();
    case 'eventhubs':
      return eventHubs();
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

/**
 * A private Kafka node that advertises the proxy's port (so every client connection, bootstrap and
 * partition leader alike, goes through the proxy): network cuts and SIGKILL + restart (its data
 * kept) in turn.
 */
async function kafka(): Promise<SoakTarget> {
  const node = await PrivateKafka.create();
  const proxy = new SwitchableProxy('127.0.0.1', node.port);
  await proxy.on();
  node.advertisedPort = proxyPort(proxy);
  await node.start(true);
  return {
    name: 'kafka (private node)',
    settings: `network cut (proxy resets and refuses) and SIGKILL + restart in turn; ${TEST_QUERY}`,
    url: `kafka://127.0.0.1:${proxyPort(proxy)}?${TEST_QUERY}`,
    consumer: { group: 'soak', from: 'earliest', concurrency: 8, ordering: 'per-key' },
    faults: [
      { name: 'cut', inject: () => proxy.off(), heal: () => proxy.on() },
      { name: 'kill', inject: () => node.kill(), heal: async () => void (await node.start(false)) },
    ],
    teardown: async () => {
      await proxy.off();
      await node.destroy();
    },
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
 * A private Pub/Sub emulator (ordering keys: per-key order claimed) behind a switchable proxy:
 * network cuts and SIGKILL + restart in turn. The emulator keeps nothing across a restart (it has
 * no persistence): a kill loses what was unconsumed by design, counted apart.
 */
async function pubsub(): Promise<SoakTarget> {
  const node = await PrivatePubSub.create();
  await node.start();
  const proxy = new SwitchableProxy('127.0.0.1', node.port);
  await proxy.on();
  process.env.METADATA_SERVER_DETECTION = 'none'; // never probe a metadata server
  return {
    name: 'pubsub (private emulator, ordering keys)',
    settings: 'network cut and SIGKILL + restart (empty: topic re-created, subscription replaced) in turn',
    url: `pubsub://eventport-soak?emulatorHost=${encodeURIComponent(`127.0.0.1:${proxyPort(proxy)}`)}&pullTimeoutMs=2000&publishTimeoutMs=2000`,
    consumer: { group: 'soak', concurrency: 8, ordering: 'per-key', leaseMs: 10_000 },
    faults: [
      { name: 'cut', inject: () => proxy.off(), heal: () => proxy.on() },
      {
        name: 'kill',
        emptiesBroker: true,
        inject: () => node.kill(),
        heal: async () => void (await node.start()),
      },
    ],
    teardown: async () => {
      await proxy.off();
      await node.destroy();
    },
  };
}

/**
 * A private Event Grid emulator (no order claimed) behind a switchable proxy: network cuts and
 * SIGKILL + restart in turn. The emulator keeps nothing across a restart: a kill loses what was
 * unconsumed by design, counted apart.
 */
async function eventGrid(): Promise<SoakTarget> {
  const node = await PrivateEmulatorNode.create('eventgrid');
  await node.start(true);
  const proxy = new SwitchableProxy('127.0.0.1', node.port);
  await proxy.on();
  return {
    name: 'eventgrid (private emulator; order not claimed)',
    settings:
      'network cut and SIGKILL + restart (empty: topic auto-created again, subscription replaced) in turn',
    url: `eventgrid://127.0.0.1:${proxyPort(proxy)}/soak?key=${encodeURIComponent(EVENTGRID_KEY)}`,
    consumer: { group: 'soak', concurrency: 8, ordering: 'per-key', leaseMs: 10_000 },
    faults: [
      { name: 'cut', inject: () => proxy.off(), heal: () => proxy.on() },
      {
        name: 'kill',
        emptiesBroker: true,
        inject: () => node.kill(),
        heal: async () => void (await node.start(true)),
      },
    ],
    teardown: async () => {
      await proxy.off();
      await node.destroy();
    },
  };
}

/**
 * A private Event Hubs emulator (the project's own; partitions persisted in its data folder) behind
 * a switchable proxy, checkpoints on the shared Azurite (never killed): network cuts and SIGKILL +
 * restart on its data in turn. Per-key order: a key maps to one partition.
 */
async function eventHubs(): Promise<SoakTarget> {
  const node = await PrivateEmulatorNode.create('eventhubs');
  await node.start(true);
  const proxy = new SwitchableProxy('127.0.0.1', node.port);
  await proxy.on();
  const storage =
    process.env.EVENTPORT_AZURE_STORAGE_CONNECTION_STRING ??
    azuriteConnectionString('http://127.0.0.1:10000/devstoreaccount1');
  return {
    name: 'eventhubs (private emulator, persisted)',
    settings:
      'network cut and SIGKILL + restart on its data in turn; checkpoints on the shared Azurite; loadBalancingIntervalMs=300, ownershipExpirationMs=3000, commitIntervalMs=100',
    url: {
      kind: 'eventhubs',
      connectionString: `Endpoint=sb://127.0.0.1:${proxyPort(proxy)};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`,
      storageConnectionString: storage,
      checkpointContainer: `soak-${Date.now().toString(36)}`,
      loadBalancingIntervalMs: 300,
      ownershipExpirationMs: 3_000,
      commitIntervalMs: 100,
      maxWaitTimeMs: 500,
    },
    consumer: { group: 'soak', from: 'earliest', concurrency: 8, ordering: 'per-key' },
    faults: [
      { name: 'cut', inject: () => proxy.off(), heal: () => proxy.on() },
      { name: 'kill', inject: () => node.kill(), heal: async () => void (await node.start(false)) },
    ],
    teardown: async () => {
      await proxy.off();
      await node.destroy();
    },
  };
}
