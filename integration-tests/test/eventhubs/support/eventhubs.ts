/**
 * Shared helpers of the Event Hubs suites: EventPort connections to the emulator (with the blob
 * checkpoint store on Azurite) and the raw @azure/event-hubs clients used to check the wire.
 */
import {
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
  type ReceivedEventData,
} from '@azure/event-hubs';
import { connect, silentLogger, type Broker, type ConnectExtras } from '@eventport/core';
import '@eventport/eventhubs';
import { requireEnv, uniqueName } from '../../support/env.js';

export const connectionString = (): string => requireEnv('EVENTPORT_EVENTHUBS_CONNECTION_STRING');
export const storageConnectionString = (): string => requireEnv('EVENTPORT_AZURE_STORAGE_CONNECTION_STRING');

/** Fast load balancing and checkpoints, so takeovers happen in seconds. */
export const FAST = {
  loadBalancingIntervalMs: 300,
  ownershipExpirationMs: 3_000,
  commitIntervalMs: 100,
  maxWaitTimeMs: 500,
};

/** A hub nobody else uses (the emulator creates it, 4 partitions, on first use). */
export function uniqueHub(prefix = 'eh'): string {
  return uniqueName(prefix);
}

/** EventPort on the emulator, checkpoints in a container of its own unless `container` is given. */
export function connectEventHubs(
  options: Record<string, unknown> = {},
  extras: ConnectExtras = {},
): Promise<Broker> {
  return connect(
    {
      kind: 'eventhubs',
      connectionString: connectionString(),
      storageConnectionString: storageConnectionString(),
      ...FAST,
      ...options,
    },
    { logger: silentLogger, ...extras },
  );
}

export function rawProducer(hub: string): EventHubProducerClient {
  return new EventHubProducerClient(connectionString(), hub, { retryOptions: { maxRetries: 0 } });
}

/** Reads `n` events of `hub` from the beginning with a raw consumer (no checkpoint store). */
export async function readRaw(
  hub: string,
  n: number,
  timeoutMs = 20_000,
): Promise<(ReceivedEventData & { partitionId: string })[]> {
  const client = new EventHubConsumerClient('$Default', connectionString(), hub);
  const out: (ReceivedEventData & { partitionId: string })[] = [];
  const sub = client.subscribe(
    {
      processEvents: async (events, context) =>
        void out.push(...events.map((e) => Object.assign(e, { partitionId: context.partitionId }))),
      processError: async () => undefined,
    },
    { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 1, skipParsingBodyAsJson: true },
  );
  try {
    await until(() => out.length >= n, timeoutMs, `${n} raw events of ${hub}`);
  } finally {
    await sub.close();
    await client.close();
  }
  return out;
}

export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
