import type { DriverReceiver, ReceivedMessage } from '../driver/types.js';
import { Deque } from '../portable/deque.js';
import type { PushedEvent, PushOutcome } from './types.js';

/** The driver handle of a pushed message: resolves its outcome once (later settles are ignored). */
class PushSlot {
  outcome: PushOutcome | undefined;
  constructor(private readonly resolve: (outcome: PushOutcome) => void) {}
  settle(outcome: PushOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.resolve(outcome);
  }
}

const RETRY_NOW: PushOutcome = { kind: 'nack', delayMs: 0 };

/**
 * A DriverReceiver fed by HTTP pushes instead of polls: the push endpoint `offer`s each request's
 * events, the consumer engine `receive`s them as it would from a broker, and the returned promise
 * resolves with every event's outcome once the engine settled them all (ack → ack, nack → nack,
 * native dead-letter → dead-letter). The HTTP answer is then written from those outcomes.
 *
 * Settlement is per message and idempotent (the first settle of a message wins). No leases: the
 * service's own answer timeout bounds a handler (Event Grid 30 s); past it the service retries
 * and the handler may see the event again (at-least-once).
 *
 * Backpressure: at most `maxQueued` events wait for the engine; a request beyond that is answered
 * "retry" at once. `close()` answers every waiting and unsettled event "retry" (the service
 * redelivers it) and every later offer the same.
 */
export class PushReceiver implements DriverReceiver {
  readonly settlement = 'per-message' as const;
  private readonly queue = new Deque<ReceivedMessage>();
  private readonly unsettled = new Set<PushSlot>();
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(private readonly maxQueued = 1000) {}

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Hands one request's events to the engine; resolves with their outcomes, in order. Never rejects. */
  offer(events: readonly PushedEvent[]): Promise<PushOutcome[]> {
    if (this.closed || this.queue.length + events.length > this.maxQueued)
      return Promise.resolve(events.map(() => RETRY_NOW));
    const outcomes = events.map((pushed) => {
      return new Promise<PushOutcome>((resolve) => {
        const slot = new PushSlot(resolve);
        this.unsettled.add(slot);
        const message: ReceivedMessage = {
          event: pushed.event,
          deliveryCount: Math.max(1, pushed.deliveryCount),
          handle: slot,
          ...(pushed.undecodable !== undefined ? { undecodable: pushed.undecodable } : {}),
        };
        this.queue.push(message);
      });
    });
    this.waiter?.();
    return Promise.all(outcomes);
  }

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    while (this.queue.length === 0) {
      if (signal.aborted || this.closed) return [];
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal.removeEventListener('abort', wake);
          this.waiter = undefined;
          resolve();
        };
        this.waiter = wake;
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    const batch: ReceivedMessage[] = [];
    while (batch.length < max && this.queue.length > 0) batch.push(this.queue.shift()!);
    return batch;
  }

  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    for (const m of messages) this.settle(m, { kind: 'ack' });
    return Promise.resolve();
  }

  nack(message: ReceivedMessage, delayMs: number): Promise<void> {
    this.settle(message, { kind: 'nack', delayMs });
    return Promise.resolve();
  }

  deadLetter(message: ReceivedMessage, reason: string): Promise<void> {
    this.settle(message, { kind: 'dead-letter', reason });
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const slot of [...this.unsettled]) slot.settle(RETRY_NOW);
    this.unsettled.clear();
    this.queue.clear();
    this.waiter?.();
    return Promise.resolve();
  }

  private settle(message: ReceivedMessage, outcome: PushOutcome): void {
    const slot = message.handle as PushSlot;
    this.unsettled.delete(slot);
    slot.settle(outcome);
  }
}
