import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Event } from '@eventport/core';
import {
  BrokerUnavailableError,
  EventPortError,
  withDeadLetterInfo,
  type DriverReceiver,
  type ReceivedMessage,
} from '@eventport/core/driver';
import { REQUEST_TIMEOUT_MS } from './clients.js';
import { Coalescer } from './coalescer.js';
import { isGoneEntry, mapAwsError, mapEntryError } from './errors.js';
import type { QueueRef } from './resources.js';
import { decodeMessage, encodeMessage, type EncodedMessage } from './wire.js';

/** ChangeMessageVisibility's ceiling: 12 hours from the first receive. */
export const MAX_VISIBILITY_S = 12 * 3600;
const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'] as const;

/** The driver's handle of a received message. */
export interface SqsHandle {
  readonly receipt: string;
  readonly messageId: string;
  /** MessageGroupId (FIFO). */
  readonly group: string | undefined;
  /** When it was received (ms since epoch). */
  readonly receivedAt: number;
  /** Its visibility deadline while the driver holds it (ms since epoch). */
  visibleAt: number;
}

export interface ReceiverSettings {
  readonly queue: QueueRef;
  readonly fifo: boolean;
  /** Hold same-group messages back until the group's current one is settled (FIFO with per-key ordering). */
  readonly holdBackGroups: boolean;
  readonly leaseMs: number;
  readonly waitTimeSeconds: number;
  readonly concurrency: number;
  /** The largest message the dead-letter destination takes. */
  readonly maxMessageBytes: number;
  /**
   * Re-creates the queue when it vanished (auto-creation on); absent: a missing
   * queue is fatal (TopicNotFoundError).
   */
  readonly heal?: () => Promise<void>;
  /** Where `deadLetter` moves a message (absent: dead-lettering not requested). */
  readonly deadLetter: DeadLetterSend | undefined;
}

/** Sends an encoded event to the dead-letter destination. */
export interface DeadLetterSend {
  readonly name: string;
  send(event: Event, message: EncodedMessage): Promise<void>;
}

function handleOf(m: ReceivedMessage): SqsHandle {
  return m.handle as SqsHandle;
}

/**
 * Receives from one SQS queue.
 *
 * - Long polling, with up to `concurrency` ReceiveMessage calls in flight (each
 *   asks for at most 10, and never more in total than the room the portable
 *   layer gave); messages that arrive after a `receive` returned wait in a
 *   buffer for the next one.
 * - Acks become DeleteMessageBatch requests, lease extensions and nacks
 *   ChangeMessageVisibilityBatch requests (10 per request, gathered per turn of
 *   the event loop).
 * - FIFO with per-key ordering: while a message group has a message out with the
 *   portable layer, later messages of that group wait here (their visibility kept
 *   alive); a nack or release of the current one releases them too, so SQS
 *   redelivers the group in order.
 * - Messages the driver holds (buffered, held back) get visibility heartbeats.
 */
export class SqsReceiver implements DriverReceiver {
  readonly settlement = 'per-message' as const;
  private readonly abort = new AbortController();
  private readonly deletes: Coalescer<string>;
  private readonly visibility: Coalescer<{ receipt: string; seconds: number }>;
  /** Messages given to the portable layer and not settled yet, by receipt handle. */
  private readonly out = new Map<string, SqsHandle>();
  /** Received, not yet returned by `receive`. */
  private buffer: ReceivedMessage[] = [];
  /** FIFO hold-back: group → messages waiting for the group's current one. */
  private readonly held = new Map<string, ReceivedMessage[]>();
  /** FIFO hold-back: groups with a message out. */
  private readonly active = new Set<string>();
  private heldCount = 0;
  private polls = 0;
  private pollCapacity = 0;
  private failure: EventPortError | undefined;
  private wake: (() => void) | undefined;
  private readonly running = new Set<Promise<void>>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private closing: Promise<void> | undefined;
  private healing: Promise<void> | undefined;
  private readonly visibilityS: number;

  constructor(
    private readonly sqs: SQSClient,
    private readonly settings: ReceiverSettings,
  ) {
    this.visibilityS = clampSeconds(settings.leaseMs);
    const url = settings.queue.url;
    this.deletes = new Coalescer(async (receipts) => {
      const out = await this.sqs
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: receipts.map((r, i) => ({ Id: String(i), ReceiptHandle: r })),
          }),
          { requestTimeout: REQUEST_TIMEOUT_MS },
        )
        .catch((err: unknown) => Promise.reject(mapAwsError(err, `delete from ${settings.queue.name}`)));
      return entryErrors(receipts.length, out.Failed, `delete from ${settings.queue.name}`);
    });
    this.visibility = new Coalescer(async (changes) => {
      const out = await this.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: changes.map((c, i) => ({
              Id: String(i),
              ReceiptHandle: c.receipt,
              VisibilityTimeout: c.seconds,
            })),
          }),
          { requestTimeout: REQUEST_TIMEOUT_MS },
        )
        .catch((err: unknown) =>
          Promise.reject(mapAwsError(err, `change visibility in ${settings.queue.name}`)),
        );
      return entryErrors(changes.length, out.Failed, `change visibility in ${settings.queue.name}`);
    });
  }

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    if (this.closing !== undefined || signal.aborted) return [];
    this.topUp(max);
    if (this.buffer.length === 0) {
      const onAbort = (): void => this.wake?.();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        // wait for a poll to answer, or (FIFO hold-back) for a held message to be released
        while (
          this.buffer.length === 0 &&
          (this.polls > 0 || this.heldCount > 0) &&
          this.failure === undefined &&
          !signal.aborted &&
          this.closing === undefined
        ) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted || this.closing !== undefined) return [];
      if (this.buffer.length === 0 && this.failure !== undefined) {
        const failure = this.failure;
        this.failure = undefined;
        throw failure;
      }
    }
    const taken = this.buffer.length <= max ? this.buffer : this.buffer.slice(0, max);
    this.buffer = this.buffer.length <= max ? [] : this.buffer.slice(max);
    for (const m of taken) this.out.set(handleOf(m).receipt, handleOf(m));
    return taken;
  }

  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    const ops: Promise<void>[] = [];
    for (const m of messages) {
      const h = this.settle(m);
      if (h !== undefined) ops.push(this.deletes.add(h.receipt));
    }
    return settleAll(ops);
  }

  nack(message: ReceivedMessage, delayMs: number): Promise<void> {
    const h = this.settle(message, true);
    if (h === undefined) return Promise.resolve();
    return this.visibility.add({ receipt: h.receipt, seconds: this.remaining(h, Math.ceil(delayMs / 1000)) });
  }

  async deadLetter(message: ReceivedMessage, reason: string): Promise<void> {
    const target = this.settings.deadLetter;
    if (target === undefined) {
      throw new EventPortError(
        'INVALID_CONFIG',
        `no dead-letter destination for ${this.settings.queue.name}`,
      );
    }
    const h = this.settle(message);
    if (h === undefined) return;
    const event = withDeadLetterInfo(message.event, reason, message.deliveryCount);
    const encoded = encodeMessage(event);
    if (encoded.size > this.settings.maxMessageBytes) {
      // The reason does not fit: SQS's own redrive moves the message once its receives run out.
      throw new EventPortError(
        'EVENT_TOO_LARGE',
        `event ${event.id} with its dead-letter reason exceeds the size limit`,
      );
    }
    await target.send(event, encoded);
    await this.deletes.add(h.receipt);
  }

  extendLease(message: ReceivedMessage, ms: number): Promise<void> {
    const h = this.out.get(handleOf(message).receipt);
    if (h === undefined) return Promise.resolve();
    const seconds = this.remaining(h, Math.ceil(ms / 1000));
    h.visibleAt = Date.now() + seconds * 1000;
    return this.visibility.add({ receipt: h.receipt, seconds });
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    await Promise.allSettled([...this.running]);
    // Give back what the portable layer never saw.
    const unseen = [...this.buffer, ...[...this.held.values()].flat()];
    this.buffer = [];
    this.held.clear();
    this.heldCount = 0;
    await Promise.allSettled(
      unseen.map((m) => this.visibility.add({ receipt: handleOf(m).receipt, seconds: 0 })),
    );
    await Promise.allSettled([this.deletes.drain(), this.visibility.drain()]);
  }

  /** Starts ReceiveMessage calls for the room not yet covered by buffered, held or requested messages. */
  private topUp(max: number): void {
    let want = max - this.buffer.length - this.heldCount - this.pollCapacity;
    while (want > 0 && this.polls < this.settings.concurrency) {
      const n = Math.min(10, want);
      this.poll(n);
      want -= n;
    }
  }

  private poll(n: number): void {
    this.polls++;
    this.pollCapacity += n;
    const { queue, waitTimeSeconds } = this.settings;
    const op = this.sqs
      .send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: n,
          WaitTimeSeconds: waitTimeSeconds,
          VisibilityTimeout: this.visibilityS,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: [...SYSTEM_ATTRIBUTES],
        }),
        { abortSignal: this.abort.signal, requestTimeout: waitTimeSeconds * 1000 + REQUEST_TIMEOUT_MS },
      )
      .then(
        (out) => {
          if (this.closing === undefined) this.accept(out.Messages ?? []);
          else for (const m of out.Messages ?? []) this.giveBack(m);
        },
        (err: unknown) => {
          if (this.abort.signal.aborted) return;
          const mapped = mapAwsError(err, `receive from ${queue.name}`, queue.name);
          const vanished = mapped.code === 'TOPIC_NOT_FOUND' && this.settings.heal !== undefined;
          this.failure = vanished ? this.startHeal(mapped) : mapped;
        },
      )
      .finally(() => {
        this.polls--;
        this.pollCapacity -= n;
        this.running.delete(op);
        this.wake?.();
      });
    this.running.add(op);
  }

  /** Re-creates the vanished queue (once at a time); the receive failure becomes retryable meanwhile. */
  private startHeal(cause: EventPortError): EventPortError {
    this.healing ??= this.settings.heal!()
      .catch(() => undefined)
      .finally(() => (this.healing = undefined));
    return new BrokerUnavailableError(`queue ${this.settings.queue.name} is missing; re-creating it`, {
      cause,
    });
  }

  private accept(messages: readonly Message[]): void {
    const now = Date.now();
    for (const m of messages) {
      if (m.ReceiptHandle === undefined || m.MessageId === undefined) continue;
      const group = m.Attributes?.MessageGroupId;
      const handle: SqsHandle = {
        receipt: m.ReceiptHandle,
        messageId: m.MessageId,
        group,
        receivedAt: now,
        visibleAt: now + this.visibilityS * 1000,
      };
      const received: ReceivedMessage = {
        event: decodeMessage(m, this.settings.queue.url),
        deliveryCount: Math.max(1, Number(m.Attributes?.ApproximateReceiveCount ?? 1) || 1),
        handle,
      };
      if (this.settings.holdBackGroups && group !== undefined) {
        if (this.active.has(group)) {
          const list = this.held.get(group);
          if (list === undefined) this.held.set(group, [received]);
          else list.push(received);
          this.heldCount++;
          continue;
        }
        this.active.add(group);
      }
      this.buffer.push(received);
    }
    if (this.buffer.length > 0 || this.heldCount > 0) this.startHeartbeat();
  }

  /**
   * Marks a message settled; returns its handle, or undefined when it was
   * settled before (settlement is idempotent). Releases the group's next message
   * (ack) or the whole held-back group (nack/release).
   */
  private settle(m: ReceivedMessage, released = false): SqsHandle | undefined {
    const h = handleOf(m);
    if (!this.out.delete(h.receipt)) return undefined;
    if (this.settings.holdBackGroups && h.group !== undefined && this.active.has(h.group)) {
      const waiting = this.held.get(h.group);
      if (released) {
        this.active.delete(h.group);
        if (waiting !== undefined) {
          this.held.delete(h.group);
          this.heldCount -= waiting.length;
          for (const w of waiting)
            void this.visibility.add({ receipt: handleOf(w).receipt, seconds: 0 }).catch(() => undefined);
        }
        this.wake?.(); // a receive waiting for held messages has nothing left to wait for
      } else if (waiting !== undefined && waiting.length > 0) {
        this.buffer.push(waiting.shift()!);
        this.heldCount--;
        if (waiting.length === 0) this.held.delete(h.group);
        this.wake?.();
      } else {
        this.active.delete(h.group);
      }
    }
    return h;
  }

  private giveBack(m: Message): void {
    if (m.ReceiptHandle !== undefined) {
      void this.visibility.add({ receipt: m.ReceiptHandle, seconds: 0 }).catch(() => undefined);
    }
  }

  /** Seconds of visibility still allowed (12 h from the receive at most). */
  private remaining(h: SqsHandle, seconds: number): number {
    const used = Math.floor((Date.now() - h.receivedAt) / 1000);
    return Math.max(0, Math.min(seconds, MAX_VISIBILITY_S - used - 1));
  }

  /** Keeps messages the driver holds (buffered, held back) invisible to other consumers. */
  private startHeartbeat(): void {
    if (this.heartbeat !== undefined) return;
    const period = Math.max(250, Math.floor((this.visibilityS * 1000) / 3));
    this.heartbeat = setInterval(() => {
      const held = [...this.buffer, ...[...this.held.values()].flat()];
      if (held.length === 0) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        return;
      }
      const now = Date.now();
      for (const m of held) {
        const h = handleOf(m);
        if (h.visibleAt - now > (this.visibilityS * 1000) / 2) continue;
        const seconds = this.remaining(h, this.visibilityS);
        h.visibleAt = now + seconds * 1000;
        void this.visibility.add({ receipt: h.receipt, seconds }).catch(() => undefined);
      }
    }, period);
    this.heartbeat.unref();
  }
}

function clampSeconds(ms: number): number {
  return Math.max(1, Math.min(MAX_VISIBILITY_S, Math.ceil(ms / 1000)));
}

function entryErrors(
  count: number,
  failed: readonly { Id?: string; Code?: string; Message?: string; SenderFault?: boolean }[] | undefined,
  what: string,
): (Error | undefined)[] {
  const errors = new Array<Error | undefined>(count);
  for (const f of failed ?? []) {
    if (isGoneEntry(f.Code)) continue; // already deleted, or no longer in flight: nothing left to settle
    errors[Number(f.Id)] = mapEntryError(f, what);
  }
  return errors;
}

async function settleAll(ops: Promise<void>[]): Promise<void> {
  if (ops.length === 0) return;
  if (ops.length === 1) return ops[0];
  const results = await Promise.allSettled(ops);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw failed[0]!.reason;
}
