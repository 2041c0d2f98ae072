/** Test helpers: an in-process emulator on an ephemeral port and bounded receives with the real client. */
import {
  EventHubBufferedProducerClient,
  EventHubConsumerClient,
  type EventHubBufferedProducerClientOptions,
  type EventPosition,
  type ReceivedEventData,
  type Subscription,
} from '@azure/event-hubs';
import { EventHubsEmulator, type EmulatorOptions } from '../src/index.js';

export const NO_RETRY = { maxRetries: 0, timeoutInMs: 5_000 };

export function startEmulator(options: EmulatorOptions = {}): Promise<EventHubsEmulator> {
  return EventHubsEmulator.start({ port: 0, host: '127.0.0.1', ...options });
}

/** Resolves with the first `count` events of `partitionId` from `position`; rejects after `timeoutMs`. */
export async function receive(
  consumer: EventHubConsumerClient,
  partitionId: string,
  position: EventPosition,
  count: number,
  timeoutMs = 10_000,
  options: { maxBatchSize?: number; prefetchCount?: number } = {},
): Promise<ReceivedEventData[]> {
  const got: ReceivedEventData[] = [];
  let subscription: Subscription | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<ReceivedEventData[]>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`received ${got.length} of ${count} events within ${timeoutMs} ms`)),
        timeoutMs,
      );
      subscription = consumer.subscribe(
        partitionId,
        {
          processEvents: async (events) => {
            got.push(...events);
            if (got.length >= count) resolve(got.slice(0, count));
          },
          processError: async (err) => reject(err),
        },
        {
          startPosition: position,
          maxWaitTimeInSeconds: 1,
          maxBatchSize: options.maxBatchSize ?? 100,
          prefetchCount: options.prefetchCount,
        },
      );
    });
  } finally {
    clearTimeout(timer);
    await subscription?.close();
  }
}

/** Waits until `check` returns true, polling every 50 ms, at most `timeoutMs`. */
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

/**
 * A buffered producer that leaves no timer behind: @azure/event-hubs 6.0.4 polls partition ids
 * every 10 s with a delay that `close()` does not cancel, which would keep jest's worker alive for
 * up to 10 s after the tests. A 100 ms poll interval (the client's own field) bounds that.
 */
export function bufferedProducer(
  connectionString: string,
  options: Omit<EventHubBufferedProducerClientOptions, 'onSendEventsErrorHandler'>,
): EventHubBufferedProducerClient & { sendErrors: Error[] } {
  const sendErrors: Error[] = [];
  const client = new EventHubBufferedProducerClient(connectionString, {
    ...options,
    onSendEventsErrorHandler: (ctx) => void sendErrors.push(ctx.error),
  });
  return Object.assign(client, { _backgroundManagementInterval: 100, sendErrors });
}
