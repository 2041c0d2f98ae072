/**
 * One pull event subscription of a namespace topic: its queue of events, the locks held by
 * receivers, redelivery and dead-lettering.
 *
 * Contract:
 * - `receive` hands out up to `maxEvents` available events at once, each under a fresh lock token
 *   with `deliveryCount` = the number of times it has been handed out (first time 1); with nothing
 *   available it waits until an event arrives or the wait ends (then answers with none).
 * - A lock lasts `lockDurationInSeconds` (scaled by the emulator's time scale). `acknowledge`
 *   removes the event, `release` makes it available again (after an optional delay), `reject`
 *   dead-letters it, `renewLock` restarts the lock's full duration. Each answers per token.
 * - An event whose lock expires, or which is released, after `maxDeliveryCount` deliveries is
 *   dead-lettered (reason `MaxDeliveryCountExceeded`) instead of being made available again.
 * - Events older than the topic's retention are dead-lettered (`TimeToLiveExceeded`) when met.
 */
import { randomBytes } from 'node:crypto';
import type { CloudEventJson } from '../cloudevents.js';
import type { DeadLetterSink } from '../dead-letter.js';
import { serviceTime } from '../dead-letter.js';
import { Queue } from '../queue.js';

/** What a settle operation answers for one token. */
export interface FailedLockToken {
  readonly lockToken: string;
  readonly error: { readonly code: 'BadToken' | 'TokenLost'; readonly message: string };
}
export interface SettleResult {
  readonly succeededLockTokens: string[];
  readonly failedLockTokens: FailedLockToken[];
}

export interface ReceivedEvent {
  readonly brokerProperties: { readonly lockToken: string; readonly deliveryCount: number };
  readonly event: CloudEventJson;
}

export interface SubscriptionSettings {
  readonly lockDurationInSeconds: number;
  readonly maxDeliveryCount: number;
  readonly retentionMs: number;
  /** Real milliseconds per service millisecond. */
  readonly timeScale: number;
}

interface Entry {
  readonly event: CloudEventJson;
  readonly publishedAt: number;
  deliveryCount: number;
  lockToken?: string;
  timer?: NodeJS.Timeout;
}

interface Waiter {
  readonly maxEvents: number;
  readonly resolve: (events: ReceivedEvent[]) => void;
  timer?: NodeJS.Timeout;
}

const TOKEN_BYTES = 24;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32}$/;

export class PullSubscription {
  private readonly ready = new Queue<Entry>();
  private readonly locked = new Map<string, Entry>();
  private readonly delayed = new Set<Entry>();
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(
    readonly topic: string,
    readonly name: string,
    readonly settings: SubscriptionSettings,
    private readonly deadLetters: DeadLetterSink,
  ) {}

  /** Counts for the admin API. */
  stats() {
    return { available: this.ready.length, locked: this.locked.size, delayed: this.delayed.size };
  }

  /** Appends published events and wakes waiting receivers. */
  enqueue(events: readonly CloudEventJson[], publishedAt = Date.now()): void {
    for (const event of events) this.ready.push({ event, publishedAt, deliveryCount: 0 });
    this.serveWaiters();
  }

  /**
   * Resolves with up to `maxEvents` locked events; waits up to `waitMs` (real time) when none is
   * available. `signal` aborts the wait (the client went away): then it resolves with none.
   */
  receive(maxEvents: number, waitMs: number, signal?: AbortSignal): Promise<ReceivedEvent[]> {
    const now = this.take(maxEvents);
    if (now.length > 0 || waitMs <= 0 || this.closed) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        maxEvents,
        resolve: (events) => {
          clearTimeout(waiter.timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(events);
        },
      };
      waiter.timer = setTimeout(() => waiter.resolve([]), waitMs);
      signal?.addEventListener('abort', () => waiter.resolve([]), { once: true });
      this.waiters.push(waiter);
    });
  }

  acknowledge(tokens: readonly string[]): SettleResult {
    return this.settle(tokens, (entry) => this.unlock(entry));
  }

  /** `delayMs` is real time (already scaled). */
  release(tokens: readonly string[], delayMs: number): SettleResult {
    return this.settle(tokens, (entry) => {
      this.unlock(entry);
      this.makeAvailable(entry, delayMs);
    });
  }

  reject(tokens: readonly string[]): SettleResult {
    return this.settle(tokens, (entry) => {
      this.unlock(entry);
      this.deadLetter(entry, 'Rejected', 'The event was rejected by a receiver.');
    });
  }

  renewLock(tokens: readonly string[]): SettleResult {
    return this.settle(tokens, (entry) => this.lock(entry, entry.lockToken as string));
  }

  /** Stops every timer and answers waiting receivers with nothing. */
  close(): void {
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter.resolve([]);
    for (const entry of [...this.locked.values(), ...this.delayed]) clearTimeout(entry.timer);
    this.locked.clear();
    this.delayed.clear();
  }

  private settle(tokens: readonly string[], apply: (entry: Entry) => void): SettleResult {
    const result: SettleResult = { succeededLockTokens: [], failedLockTokens: [] };
    for (const token of tokens) {
      const entry = this.locked.get(token);
      if (entry) {
        apply(entry);
        result.succeededLockTokens.push(token);
      } else if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) {
        result.failedLockTokens.push({
          lockToken: token,
          error: { code: 'BadToken', message: 'The lock token is malformed.' },
        });
      } else {
        result.failedLockTokens.push({
          lockToken: token,
          error: {
            code: 'TokenLost',
            message: 'The lock token has expired or the event was already settled.',
          },
        });
      }
    }
    return result;
  }

  private take(maxEvents: number): ReceivedEvent[] {
    const out: ReceivedEvent[] = [];
    const oldest = Date.now() - this.settings.retentionMs * this.settings.timeScale;
    while (out.length < maxEvents && this.ready.length > 0) {
      const entry = this.ready.shift() as Entry;
      if (entry.publishedAt < oldest) {
        this.deadLetter(entry, 'TimeToLiveExceeded', 'The event outlived the topic retention.');
        continue;
      }
      entry.deliveryCount += 1;
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      this.lock(entry, token);
      out.push({
        brokerProperties: { lockToken: token, deliveryCount: entry.deliveryCount },
        event: entry.event,
      });
    }
    return out;
  }

  private lock(entry: Entry, token: string): void {
    clearTimeout(entry.timer);
    entry.lockToken = token;
    this.locked.set(token, entry);
    const ms = this.settings.lockDurationInSeconds * 1000 * this.settings.timeScale;
    entry.timer = setTimeout(() => {
      this.unlock(entry);
      this.makeAvailable(entry, 0);
    }, ms);
    entry.timer.unref();
  }

  private unlock(entry: Entry): void {
    clearTimeout(entry.timer);
    if (entry.lockToken) this.locked.delete(entry.lockToken);
    entry.lockToken = undefined;
  }

  private makeAvailable(entry: Entry, delayMs: number): void {
    if (this.closed) return;
    if (entry.deliveryCount >= this.settings.maxDeliveryCount) {
      this.deadLetter(
        entry,
        'MaxDeliveryCountExceeded',
        `The event was delivered ${entry.deliveryCount} times without being acknowledged.`,
      );
      return;
    }
    if (delayMs <= 0) {
      this.ready.push(entry);
      this.serveWaiters();
      return;
    }
    this.delayed.add(entry);
    entry.timer = setTimeout(() => {
      this.delayed.delete(entry);
      this.ready.push(entry);
      this.serveWaiters();
    }, delayMs);
    entry.timer.unref();
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.ready.length > 0) {
      const waiter = this.waiters[0] as Waiter;
      const events = this.take(waiter.maxEvents);
      if (events.length === 0) return; // everything left was past retention: keep waiting
      waiter.resolve(events);
    }
  }

  private deadLetter(entry: Entry, reason: string, description: string): void {
    this.deadLetters.write(this.topic, this.name, {
      event: entry.event,
      brokerProperties: {
        deadletterreason: reason,
        deadletterdescription: description,
        deliveryattemptcount: entry.deliveryCount,
        publishutc: serviceTime(new Date(entry.publishedAt)),
        deadletterutc: serviceTime(new Date()),
      },
    });
  }
}
