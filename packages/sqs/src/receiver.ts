import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Event } from '@eventport/core/driver';
import {
  BrokerUnavailableError,
  EventPortError,
  isRetryable,
  withDeadLetterInfo,
  type DriverReceiver,
  type ReceivedMessage,
} from '@eventport/core/driver';
import { REQUEST_TIMEOUT_MS } from './clients.js';
import { Coalescer } from './coalescer.js';
import { mapAwsError, mapEntryError } from './errors.js';
import type { QueueRef } from './resources.js';
import { VisibilityChanges, type VisibilityTarget } from './visibility.js';
import { decodeMessage, encodeMessage, type EncodedMessage } from './wire.js';

/** ChangeMessageVisibility's ceiling: 12 hours from the first receive. */
export const MAX_VISIBILITY_S = 12 * 3600;
const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'] as const;

/** The driver's handle of a received message. */
export interface SqsHandle extends VisibilityTarget {
  readonly receipt: string;
  readonly messageId: string;
  /** MessageGroupId (FIFO). */
  readonly group: string | undefined;
  /** When it was received (ms since epoch). */
  readonly receivedAt: number;
  /** Its visibility deadline (ms since epoch), moved only once SQS confirmed a change (changes apply in order). */
  visibleAt: number;
}

/**
 * Per message, how far SQS's ApproximateReceiveCount is from the handler attempt
 * (`attempt = receive count + offset`): a receive EventPort gave back without a
 * handler seeing it (a closing consumer's buffered and held messages, a group given
 * back) counts -1, a retry in place without a new receive (FIFO hold-back) +1.
 * One ledger per process, so consumers on several connections of one queue share
 * it; bounded (the oldest entries go first). Receives in another process that
 * never reached a handler are not known here: they count as attempts.
 */
export class AttemptLedger {
  private readonly offsets = new Map<string, number>();

  constructor(private readonly max = 100_000) {}

  offset(queueUrl: string, messageId: string): number {
    return this.offsets.get(`${queueUrl}\n${messageId}`) ?? 0;
  }

  add(queueUrl: string, messageId: string, delta: number): void {
    const key = `${queueUrl}\n${messageId}`;
    const value = (this.offsets.get(key) ?? 0) + delta;
    this.offsets.delete(key);
    if (value !== 0) this.offsets.set(key, value);
    while (this.offsets.size > this.max) this.offsets.delete(this.offsets.keys().next().value!);
  }

  /** The message left the queue (deleted): nothing more to count. */
  forget(queueUrl: string, messageId: string): void {
    this.offsets.delete(`${queueUrl}\n${messageId}`);
  }
}

const processLedger = new AttemptLedger();

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
  /** Handler attempts vs receives (default: the process-wide ledger). */
  readonly ledger?: AttemptLedger;
  /** The client for ReceiveMessage long polls (default: `sqs`); kept apart so polls never starve other requests. */
  readonly poller?: SQSClient;
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
 *   the event loop); a message's visibility changes are applied in the order
 *   asked ({@link VisibilityChanges}).
 * - FIFO with per-key ordering: while a message group has a message out with the
 *   portable layer, later messages of that group wait here (their visibility kept
 *   alive). The next one is released only once the current one's delete
 *   succeeded; a failed delete (its receipt handle expired) gives the group back
 *   whole, so SQS redelivers it in order. A nack of the current one with later
 *   ones waiting is retried here, in place (its visibility kept), so the waiting
 *   ones are not received again without a handler seeing them; without waiting
 *   ones it is a native nack.
 * - Messages the driver holds (buffered, held back, waiting for a retry) get
 *   visibility heartbeats: renewed at half the visibility timeout, checked every
 *   sixth of it, counted only once SQS confirmed the change, retried while time
 *   is left; a message whose visibility ran out is given back with the rest of its
 *   group. A message is handed over with its real deadline (`leaseUntil`), less
 *   the longest round trip of the recent visibility changes (at most a quarter of
 *   the visibility timeout): on a slow broker a renewal sent by then still lands
 *   before the visibility ends.
 * - `deliveryCount` counts handler attempts: ApproximateReceiveCount corrected by
 *   the {@link AttemptLedger} for receives given back unhandled.
 */
export class SqsReceiver implements DriverReceiver {
  readonly settlement = 'per-message' as const;
  private readonly abort = new AbortController();
  private readonly deletes: Coalescer<string>;
  private readonly visibility: VisibilityChanges;
  /** Messages given to the portable layer and not settled yet, by receipt handle. */
  private readonly out = new Map<string, SqsHandle>();
  /** Received, not yet returned by `receive`. */
  private buffer: ReceivedMessage[] = [];
  /** FIFO hold-back: group → messages waiting for the group's current one. */
  private readonly held = new Map<string, ReceivedMessage[]>();
  /** FIFO hold-back: nacked messages retried in place, with their timers. */
  private readonly delayed = new Map<ReceivedMessage, ReturnType<typeof setTimeout>>();
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
  private readonly ledger: AttemptLedger;
  private readonly poller: SQSClient;

  constructor(
    private readonly sqs: SQSClient,
    private readonly settings: ReceiverSettings,
  ) {
    this.visibilityS = clampSeconds(settings.leaseMs);
    this.ledger = settings.ledger ?? processLedger;
    this.poller = settings.poller ?? sqs;
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
      // An expired receipt handle fails the delete: the message comes back (real SQS FIFO).
      return entryErrors(receipts.length, out.Failed, `delete from ${settings.queue.name}`);
    });
    this.visibility = new VisibilityChanges(sqs, settings.queue);
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
          (this.polls > 0 || this.heldCount > 0 || this.delayed.size > 0) &&
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
    // Held messages used part of their visibility here: say when it ends, less the time a
    // visibility change currently takes to reach SQS, so a renewal sent by then still lands in time.
    const allowance = Math.min(this.visibility.latencyMs(), (this.visibilityS * 1000) / 4);
    return taken.map((m) => ({ ...m, leaseUntil: handleOf(m).visibleAt - allowance }));
  }

  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    const ops: Promise<void>[] = [];
    for (const m of messages) {
      const h = this.take(m);
      if (h !== undefined) ops.push(this.finish(h, this.deletes.add(h.receipt)));
    }
    return settleAll(ops);
  }

  nack(message: ReceivedMessage, delayMs: number): Promise<void> {
    const h = this.take(message);
    if (h === undefined) return Promise.resolve();
    if (this.holdsGroup(h)) {
      if ((this.held.get(h.group!)?.length ?? 0) > 0 && this.closing === undefined) {
        // Retry in place: giving it back would give the waiting ones back too, and SQS
        // would count receives their handlers never saw.
        this.ledger.add(this.settings.queue.url, h.messageId, 1);
        this.retryLater(
          { event: message.event, deliveryCount: message.deliveryCount + 1, handle: h },
          delayMs,
        );
        return Promise.resolve();
      }
      this.active.delete(h.group!);
      this.wake?.();
    }
    return this.visibility
      .change(h, () => this.remaining(h, Math.ceil(delayMs / 1000)), false)
      .then(() => undefined);
  }

  /** Gives back a message no handler ran on (with its group's waiting ones): not counted as an attempt. */
  release(message: ReceivedMessage): Promise<void> {
    const h = this.take(message);
    if (h === undefined) return Promise.resolve();
    if (this.holdsGroup(h)) this.giveBackGroup(h.group!);
    return this.giveBack(h);
  }

  async deadLetter(message: ReceivedMessage, reason: string): Promise<void> {
    const target = this.settings.deadLetter;
    if (target === undefined) {
      throw new EventPortError(
        'INVALID_CONFIG',
        `no dead-letter destination for ${this.settings.queue.name}`,
      );
    }
    const h = this.take(message);
    if (h === undefined) return;
    const event = withDeadLetterInfo(message.event, reason, message.deliveryCount);
    const encoded = encodeMessage(event);
    if (encoded.size > this.settings.maxMessageBytes) {
      // The reason does not fit: SQS's own redrive moves the message once its receives run out.
      if (this.holdsGroup(h)) this.giveBackGroup(h.group!);
      throw new EventPortError(
        'EVENT_TOO_LARGE',
        `event ${event.id} with its dead-letter reason exceeds the size limit`,
      );
    }
    await this.finish(
      h,
      target.send(event, encoded).then(() => this.deletes.add(h.receipt)),
    );
  }

  /**
   * Extends a message still out. An extension that fails after the message was settled (acked,
   * nacked, dead-lettered while the request was on its way: SQS applied the delete first and
   * rejects the gone receipt handle) is no failure: nothing is left to extend.
   */
  async extendLease(message: ReceivedMessage, ms: number): Promise<void> {
    const h = this.out.get(handleOf(message).receipt);
    if (h === undefined) return;
    try {
      h.visibleAt = await this.visibility.change(h, () => this.remaining(h, Math.ceil(ms / 1000)), true);
    } catch (err) {
      if (this.out.has(h.receipt)) throw err;
    }
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
    // Give back what the portable layer never saw (or is to retry).
    for (const t of this.delayed.values()) clearTimeout(t);
    const unseen = [...this.delayed.keys(), ...this.buffer, ...[...this.held.values()].flat()];
    this.delayed.clear();
    this.buffer = [];
    this.held.clear();
    this.heldCount = 0;
    await Promise.allSettled(unseen.map((m) => this.giveBack(handleOf(m))));
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
    const op = this.poller
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
          else
            for (const m of out.Messages ?? [])
              if (m.ReceiptHandle !== undefined && m.MessageId !== undefined)
                void this.giveBack({ receipt: m.ReceiptHandle, messageId: m.MessageId });
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
      const receives = Math.max(1, Number(m.Attributes?.ApproximateReceiveCount ?? 1) || 1);
      const decoded = decodeMessage(m, this.settings.queue.url);
      const received: ReceivedMessage = {
        event: decoded.event,
        undecodable: decoded.undecodable,
        deliveryCount: Math.max(1, receives + this.ledger.offset(this.settings.queue.url, m.MessageId)),
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

  /** Takes a message back from the portable layer; undefined when it was settled before (settlement is idempotent). */
  private take(m: ReceivedMessage): SqsHandle | undefined {
    const h = handleOf(m);
    return this.out.delete(h.receipt) ? h : undefined;
  }

  /** FIFO hold-back applies to this message's group (and the group is the receiver's). */
  private holdsGroup(h: SqsHandle): boolean {
    return this.settings.holdBackGroups && h.group !== undefined && this.active.has(h.group);
  }

  /**
   * A message is leaving the queue (`op`: its delete). Once that succeeded the
   * group's next waiting message is released; if it failed (the receipt handle
   * expired: SQS will deliver the message again), the group is given back whole,
   * so nothing of it overtakes the message.
   */
  private finish(h: SqsHandle, op: Promise<void>): Promise<void> {
    const url = this.settings.queue.url;
    if (!this.holdsGroup(h)) return op.then(() => this.ledger.forget(url, h.messageId));
    const group = h.group!;
    return op.then(
      () => {
        this.ledger.forget(url, h.messageId);
        this.advance(group);
      },
      (err: unknown) => {
        this.giveBackGroup(group);
        throw err;
      },
    );
  }

  /** Releases the group's next waiting message, or ends the group's turn. */
  private advance(group: string): void {
    const waiting = this.held.get(group);
    if (waiting !== undefined && waiting.length > 0) {
      this.buffer.push(waiting.shift()!);
      this.heldCount--;
      if (waiting.length === 0) this.held.delete(group);
    } else {
      this.active.delete(group);
    }
    this.wake?.();
  }

  /** Gives every waiting message of the group back to SQS (it redelivers the group in order). */
  private giveBackGroup(group: string): void {
    this.active.delete(group);
    const waiting = this.held.get(group);
    if (waiting !== undefined) {
      this.held.delete(group);
      this.heldCount -= waiting.length;
      for (const w of waiting) void this.giveBack(handleOf(w));
    }
    this.wake?.(); // a receive waiting for held messages may have nothing left to wait for
  }

  /** Makes a message the handlers never saw visible again; that receive is not an attempt. */
  private giveBack(h: VisibilityTarget & { readonly messageId: string }): Promise<void> {
    this.ledger.add(this.settings.queue.url, h.messageId, -1);
    return this.visibility
      .change(h, () => 0, false)
      .then(
        () => undefined,
        () => undefined,
      );
  }

  /** FIFO hold-back: hands a nacked message over again after `delayMs`, its visibility kept meanwhile. */
  private retryLater(m: ReceivedMessage, delayMs: number): void {
    const timer = setTimeout(() => {
      this.delayed.delete(m);
      this.buffer.push(m);
      this.wake?.();
    }, delayMs);
    this.delayed.set(m, timer);
    this.startHeartbeat();
  }

  /** A message the receiver held lost its visibility: SQS delivers it again, so its group goes back whole. */
  private lost(m: ReceivedMessage): void {
    const h = handleOf(m);
    const timer = this.delayed.get(m);
    let found = this.buffer.indexOf(m) >= 0 || timer !== undefined;
    if (timer !== undefined) {
      clearTimeout(timer);
      this.delayed.delete(m);
    }
    this.buffer = this.buffer.filter((b) => b !== m);
    if (h.group !== undefined && this.held.has(h.group)) {
      const waiting = this.held.get(h.group)!;
      const at = waiting.indexOf(m);
      if (at >= 0) {
        found = true;
        // the ones before it stay; it and the ones after it go back, in order
        const back = waiting.splice(at);
        this.heldCount -= back.length;
        if (waiting.length === 0) this.held.delete(h.group);
        for (const w of back) void this.giveBack(handleOf(w));
        this.wake?.();
        return;
      }
    }
    if (!found) return;
    this.ledger.add(this.settings.queue.url, h.messageId, -1);
    if (this.settings.holdBackGroups && h.group !== undefined) this.giveBackGroup(h.group);
    this.wake?.();
  }

  /** Seconds of visibility still allowed (12 h from the receive at most). */
  private remaining(h: SqsHandle, seconds: number): number {
    const used = Math.floor((Date.now() - h.receivedAt) / 1000);
    return Math.max(0, Math.min(seconds, MAX_VISIBILITY_S - used - 1));
  }

  /** Keeps messages the driver holds (buffered, held back, waiting for a retry) invisible to other consumers. */
  private startHeartbeat(): void {
    if (this.heartbeat !== undefined) return;
    const visibilityMs = this.visibilityS * 1000;
    const period = Math.max(250, Math.floor(visibilityMs / 6));
    this.heartbeat = setInterval(() => {
      const held = [...this.buffer, ...this.delayed.keys(), ...[...this.held.values()].flat()];
      if (held.length === 0) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
        return;
      }
      const now = Date.now();
      for (const m of held) {
        const h = handleOf(m);
        if (h.visibilityChange !== undefined || h.visibleAt - now > visibilityMs / 2) continue;
        if (h.visibleAt <= now) {
          this.lost(m);
          continue;
        }
        this.visibility
          .change(h, () => this.remaining(h, this.visibilityS), true)
          .then(
            (until) => void (h.visibleAt = until),
            (err: unknown) => {
              // retryable and time left: the next beat tries again
              if (!isRetryable(err) || h.visibleAt <= Date.now()) this.lost(m);
            },
          );
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
  for (const f of failed ?? []) errors[Number(f.Id)] = mapEntryError(f, what);
  return errors;
}

async function settleAll(ops: Promise<void>[]): Promise<void> {
  if (ops.length === 0) return;
  if (ops.length === 1) return ops[0];
  const results = await Promise.allSettled(ops);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw failed[0]!.reason;
}
