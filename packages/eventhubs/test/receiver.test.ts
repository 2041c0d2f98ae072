import {
  CloseReason,
  type CheckpointStore,
  type EventHubConsumerClient,
  type PartitionContext,
  type ReceivedEventData,
  type SubscriptionEventHandlers,
} from '@azure/event-hubs';
import { silentLogger } from '@eventport/core/driver';
import { parseEventHubsConfig } from '../src/config.js';
import { EventHubsReceiver } from '../src/receiver.js';
import { PROPERTY_PREFIX } from '../src/wire.js';

/**
 * The receiver against a fake EventHubConsumerClient (unit level: the handlers it subscribes are
 * called directly, as the client's partition pumps would) and a fake checkpoint store.
 */
function fakes() {
  let handlers: SubscriptionEventHandlers | undefined;
  const checkpoints: { partitionId: string; sequenceNumber: number; offset: string }[] = [];
  const client = {
    fullyQualifiedNamespace: 'ns.test',
    getPartitionIds: async () => ['0', '1'],
    subscribe: (h: SubscriptionEventHandlers) => {
      handlers = h;
      return { close: async () => undefined, isRunning: true };
    },
    close: async () => undefined,
  } as unknown as EventHubConsumerClient;
  const store = {
    updateCheckpoint: async (c: { partitionId: string; sequenceNumber: number; offset: string }) => {
      checkpoints.push({ partitionId: c.partitionId, sequenceNumber: c.sequenceNumber, offset: c.offset });
    },
  } as unknown as CheckpointStore;
  const context = (partitionId: string) => ({ partitionId }) as unknown as PartitionContext;
  return { client, store, checkpoints, context, handlers: () => handlers! };
}

function events(first: number, n: number): ReceivedEventData[] {
  return Array.from({ length: n }, (_, i) => ({
    body: Buffer.from('x'),
    properties: {
      [`${PROPERTY_PREFIX}id`]: `e-${first + i}`,
      [`${PROPERTY_PREFIX}source`]: '/t',
      [`${PROPERTY_PREFIX}type`]: 't',
      [`${PROPERTY_PREFIX}specversion`]: '1.0',
    },
    sequenceNumber: first + i,
    offset: `off-${first + i}`,
    enqueuedTimeUtc: new Date(0),
    getRawAmqpMessage: () => ({}),
  })) as unknown as ReceivedEventData[];
}

async function openReceiver(options: Record<string, unknown> = {}) {
  const f = fakes();
  const config = parseEventHubsConfig(
    new URL('eventhubs://127.0.0.1:5672/hub'),
    { commitIntervalMs: 3_600_000, ...options },
    {},
  );
  const receiver = await EventHubsReceiver.open({
    client: f.client,
    store: f.store,
    config,
    hub: 'hub',
    options: { group: 'g', from: 'earliest', leaseMs: 30_000, orderedByKey: false },
    logger: silentLogger,
  });
  return { ...f, receiver };
}

describe('EventHubsReceiver (fake client)', () => {
  it('hands out events in order, then checkpoints the offset of the last committed event', async () => {
    const { receiver, handlers, context, checkpoints } = await openReceiver();
    try {
      await handlers().processInitialize!(context('0'));
      await handlers().processEvents(events(100, 3), context('0'));
      await handlers().processEvents(events(103, 2), context('0'));
      const signal = new AbortController().signal;
      const got = await receiver.receive(10, signal);
      expect(got.map((m) => [m.event.id, m.offset])).toEqual([
        ['e-100', 100],
        ['e-101', 101],
        ['e-102', 102],
        ['e-103', 103],
        ['e-104', 104],
      ]);
      await receiver.commit(got[0]!.partition!, 103); // events 100..102 settled
      await receiver.flush();
      expect(checkpoints).toEqual([{ partitionId: '0', sequenceNumber: 102, offset: 'off-102' }]);
      await receiver.commit('0', 105);
      await receiver.commit('0', 104); // behind: ignored
      await receiver.flush();
      expect(checkpoints.at(-1)).toEqual({ partitionId: '0', sequenceNumber: 104, offset: 'off-104' });
      expect(checkpoints).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it('drops the buffered events of a lost partition, however many are buffered', async () => {
    const { receiver, handlers, context } = await openReceiver({ maxBufferedEvents: 1_000_000 });
    try {
      await handlers().processInitialize!(context('0'));
      await handlers().processInitialize!(context('1'));
      await handlers().processEvents(events(0, 200_000), context('0'));
      await handlers().processEvents(events(0, 2), context('1'));
      await handlers().processClose!(CloseReason.OwnershipLost, context('1'));
      expect(receiver.stats).toEqual({ buffered: 200_000, partitions: ['0'] });
      const got = await receiver.receive(5, new AbortController().signal);
      expect(got.map((m) => m.partition)).toEqual(['0', '0', '0', '0', '0']);
    } finally {
      await receiver.close();
    }
  });
});
