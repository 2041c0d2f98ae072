import {
  CloseReason,
  earliestEventPosition,
  latestEventPosition,
  type CheckpointStore,
  type EventHubConsumerClient,
  type EventPosition,
  type PartitionContext,
  type ReceivedEventData,
  type Subscription,
} from '@azure/event-hubs';
import type {
  DriverReceiver,
  Logger,
  ReceivedMessage,
  ReceiverOptions,
  StartPosition,
} from '@eventport/core/driver';
import type { EventHubsConfig } from './config.js';
import { mapEventHubsError } from './errors.js';
import { ReceivedOffsets } from './received-offsets.js';
import { decodeEvent } from './wire.js';

/** One partition this consumer owns (a new object each time ownership is claimed). */
interface Owned {
  readonly id: string;
  /** First sequence number received in this ownership; commits must pass it. */
  floor: number | undefined;
  /** Offsets of the received events no commit has passed yet. */
  readonly offsets: ReceivedOffsets;
  /** Next sequence number to read, as settled by the portable layer and not yet written. */
  pending: number | undefined;
  /** Offset of the event before `pending` (what the checkpoint names with it). */
  pendingOffset: string | undefined;
  /** Next sequence number of the last written checkpoint. */
  written: number | undefined;
  lost: boolean;
}

interface Handle {
  readonly owned: Owned;
}

export interface ReceiverDeps {
  readonly client: EventHubConsumerClient;
  readonly store: CheckpointStore;
  readonly config: EventHubsConfig;
  readonly hub: string;
  readonly options: ReceiverOptions;
  readonly logger: Logger;
}

/**
 * One consumer of a consumer group, bridging the load-balancing EventHubConsumerClient (push: one
 * `processEvents` call per partition batch) to the SPI's pull-style `receive`:
 *
 * - Partitions are claimed and balanced through ownership records in the blob checkpoint store.
 *   A partition's received events go into a buffer; `processEvents` returns once the buffer is
 *   below `maxBufferedEvents`, so the client prefetches no further than that (backpressure).
 * - Positions are the sequence numbers: the portable layer's contiguous tracker calls `commit` with
 *   the next sequence number; the checkpoint (sequence number and offset of the last settled event)
 *   is written every `commitIntervalMs` and on close.
 * - Losing a partition (another consumer claimed it, `CloseReason.OwnershipLost`) drops its
 *   buffered events and any later commit for it: a handler that finishes after the loss settles
 *   nothing; the new owner reads again from the last checkpoint.
 * - At-most-once receivers checkpoint each batch before handing its events out.
 */
export class EventHubsReceiver implements DriverReceiver {
  readonly settlement = 'offset' as const;
  /** Received events not handed out yet, from `head` on (the array holds nothing handed out once drained). */
  private buffer: ReceivedMessage[] = [];
  private head = 0;
  private readonly owned = new Map<string, Owned>();
  private subscription: Subscription | undefined;
  private waiter: (() => void) | undefined;
  private readonly roomWaiters = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly atMostOnce: boolean;

  private constructor(private readonly deps: ReceiverDeps) {
    this.atMostOnce = deps.options.delivery === 'at-most-once';
  }

  /** Checks the hub (and credentials) and starts the subscription. */
  static async open(deps: ReceiverDeps): Promise<EventHubsReceiver> {
    const r = new EventHubsReceiver(deps);
    let partitionIds: string[];
    try {
      partitionIds = await deps.client.getPartitionIds();
    } catch (err) {
      throw mapEventHubsError(
        err,
        `opening consumer group "${deps.options.group}" on "${deps.hub}"`,
        deps.hub,
      );
    }
    let latest: Record<string, EventPosition> | undefined;
    if (deps.options.from === 'latest') {
      // "latest" as of now, not as of the moment a partition is claimed: what is sent after open is read
      try {
        latest = {};
        for (const id of partitionIds) {
          const p = await deps.client.getPartitionProperties(id);
          latest[id] = p.isEmpty
            ? earliestEventPosition
            : { sequenceNumber: p.lastEnqueuedSequenceNumber, isInclusive: false };
        }
      } catch (err) {
        throw mapEventHubsError(err, `reading the partitions of "${deps.hub}"`, deps.hub);
      }
    }
    r.start(latest ?? startPosition(deps.options.from, partitionIds));
    return r;
  }

  /** Diagnostics: events received and not handed out yet, partitions owned. */
  get stats(): { buffered: number; partitions: string[] } {
    return { buffered: this.buffered, partitions: [...this.owned.keys()].sort() };
  }

  private get buffered(): number {
    return this.buffer.length - this.head;
  }

  private start(from: EventPosition | Record<string, EventPosition>): void {
    const { config } = this.deps;
    this.subscription = this.deps.client.subscribe(
      {
        processInitialize: async (context) => this.onClaimed(context),
        processEvents: (events, context) => this.onEvents(events, context),
        processError: async (error, context) => this.onError(error, context),
        processClose: async (reason, context) => this.onReleased(reason, context),
      },
      {
        maxBatchSize: config.maxBatchSize,
        maxWaitTimeInSeconds: Math.max(1, Math.ceil(config.maxWaitTimeMs / 1000)),
        prefetchCount: Math.max(config.prefetchCount, config.maxBatchSize),
        skipParsingBodyAsJson: true,
        startPosition: from,
      },
    );
  }

  private onClaimed(context: PartitionContext): void {
    if (this.closed) return;
    this.owned.set(context.partitionId, {
      id: context.partitionId,
      floor: undefined,
      offsets: new ReceivedOffsets(),
      pending: undefined,
      pendingOffset: undefined,
      written: undefined,
      lost: false,
    });
    this.deps.logger.debug('eventhubs: partition claimed', {
      hub: this.deps.hub,
      partition: context.partitionId,
    });
  }

  private onReleased(reason: CloseReason, context: PartitionContext): void {
    const owned = this.owned.get(context.partitionId);
    if (owned === undefined) return;
    if (reason === CloseReason.OwnershipLost || !this.closed) {
      owned.lost = true;
      this.owned.delete(context.partitionId);
      this.dropBuffered(owned);
      this.deps.logger.debug('eventhubs: partition released', {
        hub: this.deps.hub,
        partition: context.partitionId,
        reason,
      });
    }
  }

  private onError(error: Error, context: PartitionContext): void {
    if (this.closed) return;
    const code = (error as { code?: unknown }).code;
    this.deps.logger.debug(
      `eventhubs: ${String(code ?? error.name)} on partition ${context.partitionId || '-'}`,
      {
        hub: this.deps.hub,
        group: this.deps.options.group,
        error: mapEventHubsError(error, 'receiving').message,
      },
    );
  }

  private async onEvents(events: ReceivedEventData[], context: PartitionContext): Promise<void> {
    let owned = this.owned.get(context.partitionId);
    if (this.closed || events.length === 0) return;
    if (owned === undefined) {
      this.onClaimed(context);
      owned = this.owned.get(context.partitionId)!;
    }
    const { hub } = this.deps;
    const handle: Handle = { owned };
    owned.offsets.add(events);
    owned.floor ??= events[0]!.sequenceNumber;
    if (this.atMostOnce) {
      const last = events[events.length - 1]!;
      this.setPending(owned, last.sequenceNumber + 1, last.offset);
      await this.write(owned).catch(() => undefined);
      if (owned.written !== last.sequenceNumber + 1) return; // not checkpointed: not handed out
    }
    const partition = context.partitionId;
    for (const e of events) {
      const { event, undecodable } = decodeEvent(hub, partition, e);
      this.buffer.push(
        undecodable === undefined
          ? { event, deliveryCount: 1, partition, offset: e.sequenceNumber, handle }
          : { event, deliveryCount: 1, partition, offset: e.sequenceNumber, handle, undecodable },
      );
    }
    this.wake();
    // backpressure: hold this partition's pump until handlers drained the buffer
    const deadline = Date.now() + 60_000;
    while (
      !this.closed &&
      !owned.lost &&
      this.buffered >= this.deps.config.maxBufferedEvents &&
      Date.now() < deadline
    ) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.roomWaiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, 500);
        this.roomWaiters.add(done);
      });
    }
  }

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    if (this.buffered === 0 && !this.closed && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          if (this.waiter === done) this.waiter = undefined;
          resolve();
        };
        const t = setTimeout(done, this.deps.config.maxWaitTimeMs);
        signal.addEventListener('abort', done);
        this.waiter = done;
      });
    }
    const out = this.take(Math.min(max, this.buffered));
    if (this.roomWaiters.size > 0 && this.buffered < this.deps.config.maxBufferedEvents)
      for (const w of [...this.roomWaiters]) w();
    return out;
  }

  /**
   * Takes the next `n` buffered events. A drained buffer is replaced, not kept: events handed out
   * must not stay referenced here (each holds its body, and the client's frame buffer under it).
   */
  private take(n: number): ReceivedMessage[] {
    if (this.head === 0 && n === this.buffer.length) {
      const all = this.buffer;
      this.buffer = [];
      return all;
    }
    const out = this.buffer.slice(this.head, this.head + n);
    this.head += n;
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }

  ack(): Promise<void> {
    return Promise.resolve();
  }

  /** Records the next sequence number of a partition; written within commitIntervalMs. Dropped for a lost partition. */
  commit(partition: string, nextOffset: number): Promise<void> {
    const owned = this.owned.get(partition);
    if (owned === undefined || owned.lost) {
      this.deps.logger.debug('eventhubs: checkpoint dropped: partition not owned', {
        hub: this.deps.hub,
        partition,
      });
      return Promise.resolve();
    }
    if (owned.floor === undefined || nextOffset <= owned.floor) return Promise.resolve();
    if (owned.pending !== undefined && nextOffset <= owned.pending) return Promise.resolve();
    const offset = owned.offsets.offsetOf(nextOffset - 1);
    if (offset === undefined) return Promise.resolve();
    this.setPending(owned, nextOffset, offset);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.deps.config.commitIntervalMs);
    return Promise.resolve();
  }

  /** Records the checkpoint to write next; commits only move forward, so older offsets are forgotten. */
  private setPending(owned: Owned, next: number, offset: string): void {
    owned.pending = next;
    owned.pendingOffset = offset;
    owned.offsets.forgetBefore(next - 1);
  }

  /** Writes every pending checkpoint (one at a time per receiver). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      await Promise.all([...this.owned.values()].map((o) => this.write(o).catch(() => undefined)));
    });
    return this.flushing;
  }

  private async write(owned: Owned): Promise<void> {
    const next = owned.pending;
    const offset = owned.pendingOffset;
    if (next === undefined || offset === undefined || owned.lost) return;
    if (owned.written !== undefined && next <= owned.written) return;
    const { client, store, hub, options } = this.deps;
    try {
      await store.updateCheckpoint({
        fullyQualifiedNamespace: client.fullyQualifiedNamespace,
        eventHubName: hub,
        consumerGroup: options.group,
        partitionId: owned.id,
        sequenceNumber: next - 1,
        offset,
      });
    } catch (err) {
      this.deps.logger.warn('eventhubs: writing a checkpoint failed (retried with the next one)', {
        hub,
        partition: owned.id,
        error: mapEventHubsError(err, 'checkpointing').message,
      });
      throw err;
    }
    if (owned.written === undefined || next > owned.written) owned.written = next;
  }

  private dropBuffered(owned: Owned): void {
    // a new array: spreading a large buffer into push() overflows the stack
    this.buffer = this.buffer.slice(this.head).filter((m) => (m.handle as Handle).owned !== owned);
    this.head = 0;
    for (const w of [...this.roomWaiters]) w();
  }

  private wake(): void {
    this.waiter?.();
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    this.wake();
    for (const w of [...this.roomWaiters]) w();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    try {
      await this.subscription?.close();
    } catch (err) {
      this.deps.logger.debug('eventhubs: closing the subscription failed', {
        error: mapEventHubsError(err, 'closing').message,
      });
    }
    for (const o of this.owned.values()) o.lost = true;
    this.owned.clear();
    this.buffer.length = 0;
    this.head = 0;
    await this.deps.client.close().catch(() => undefined);
  }
}

/** Where a partition without a checkpoint starts. Offsets are sequence numbers. */
export function startPosition(
  from: StartPosition,
  partitionIds: readonly string[],
): EventPosition | Record<string, EventPosition> {
  if (from === 'earliest') return earliestEventPosition;
  if (from === 'latest') return latestEventPosition;
  if ('time' in from) return { enqueuedOn: from.time };
  const at: EventPosition = { sequenceNumber: from.offset, isInclusive: true };
  if (from.partition === undefined) return at;
  const map: Record<string, EventPosition> = {};
  for (const id of partitionIds) map[id] = id === from.partition ? at : earliestEventPosition;
  return map;
}
