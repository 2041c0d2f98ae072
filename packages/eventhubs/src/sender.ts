import type { EventDataBatch, EventHubProducerClient } from '@azure/event-hubs';
import {
  BrokerUnavailableError,
  ClosedError,
  EventTooLargeError,
  eventSize,
  type DriverSender,
  type OutgoingEvent,
  type SendOutcome,
} from '@eventport/core/driver';
import { mapEventHubsError } from './errors.js';
import { encodeEvent } from './wire.js';

/** Key groups of one EventPort batch sent at the same time (each group's own batches go one by one). */
const GROUP_CONCURRENCY = 32;

/**
 * Sends EventPort batches with `createBatch` / `tryAdd` (the size limit comes from the sender
 * link) and `sendBatch`. Entries are grouped by key: the key is the batch's partition key, so the
 * service places every event of a key on one partition; keyless events go round-robin. Within a
 * key group, batches go one at a time and the first failure stops the group: its later entries
 * get a retryable failure, so a failed entry is never overtaken by a later one of its key.
 */
export class EventHubsSender implements DriverSender {
  private closed = false;

  constructor(
    private readonly producer: () => EventHubProducerClient,
    private readonly hub: string,
    private readonly maxEventSize: number,
  ) {}

  async send(batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    if (this.closed) throw new ClosedError(`eventhubs sender for "${this.hub}"`);
    const outcomes: (SendOutcome | undefined)[] = new Array(batch.length);
    const groups = new Map<string | undefined, number[]>();
    for (let i = 0; i < batch.length; i++) {
      const { event } = batch[i]!;
      const size = eventSize(event);
      if (size > this.maxEventSize) {
        outcomes[i] = { ok: false, error: new EventTooLargeError(size, this.maxEventSize, event.id) };
        continue;
      }
      let g = groups.get(event.key);
      if (g === undefined) groups.set(event.key, (g = []));
      g.push(i);
    }
    const client = this.producer();
    const list = [...groups.entries()];
    for (let i = 0; i < list.length; i += GROUP_CONCURRENCY) {
      await Promise.all(
        list
          .slice(i, i + GROUP_CONCURRENCY)
          .map(([key, indexes]) => this.sendGroup(client, key, indexes, batch, outcomes)),
      );
    }
    return outcomes.map((o) => o ?? { ok: false, error: new BrokerUnavailableError('eventhubs: not sent') });
  }

  private async sendGroup(
    client: EventHubProducerClient,
    key: string | undefined,
    indexes: readonly number[],
    batch: readonly OutgoingEvent[],
    outcomes: (SendOutcome | undefined)[],
  ): Promise<void> {
    const options = key === undefined ? {} : { partitionKey: key };
    let current: EventDataBatch | undefined;
    let members: number[] = [];
    let failed: Error | undefined;
    const flush = async (): Promise<void> => {
      if (current === undefined || members.length === 0) return;
      const sending = members;
      members = [];
      try {
        await client.sendBatch(current);
        for (const i of sending) outcomes[i] = { ok: true, receipt: {} };
      } catch (err) {
        failed = mapEventHubsError(err, `sending to "${this.hub}"`, this.hub);
        for (const i of sending) outcomes[i] = { ok: false, error: failed };
      }
      current = undefined;
    };
    try {
      for (const i of indexes) {
        if (failed !== undefined) {
          outcomes[i] = { ok: false, error: notSent(failed) };
          continue;
        }
        const data = encodeEvent(batch[i]!.event);
        current ??= await client.createBatch(options);
        if (current.tryAdd(data)) {
          members.push(i);
          continue;
        }
        if (members.length > 0) {
          await flush();
          if (failed !== undefined) {
            outcomes[i] = { ok: false, error: notSent(failed) };
            continue;
          }
          current = await client.createBatch(options);
          if (current.tryAdd(data)) {
            members.push(i);
            continue;
          }
        }
        const { event } = batch[i]!;
        outcomes[i] = {
          ok: false,
          error: new EventTooLargeError(eventSize(event), current.maxSizeInBytes, event.id, {
            message: `event ${event.id} does not fit in an Event Hubs batch (at most ${current.maxSizeInBytes} bytes with AMQP framing)`,
          }),
        };
      }
      await flush();
    } catch (err) {
      failed = mapEventHubsError(err, `preparing a batch for "${this.hub}"`, this.hub);
      for (const i of [...members, ...indexes]) outcomes[i] ??= { ok: false, error: failed };
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function notSent(cause: Error): Error {
  return new BrokerUnavailableError('eventhubs: not sent: an earlier batch of the same key failed', {
    cause,
  });
}
