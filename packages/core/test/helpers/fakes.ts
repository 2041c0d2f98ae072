/**
 * Test doubles for the driver SPI: a fake driver, sender and receiver that record
 * every call, plus small async helpers (deferred promises, bounded polling).
 */
import { randomUUID } from 'node:crypto';
import type {
  Driver,
  DriverReceiver,
  DriverSender,
  OutgoingEvent,
  ReceivedMessage,
  ReceiverOptions,
  SenderOptions,
  SendOutcome,
} from '../../src/driver/types.js';
import { CapabilityReport } from '../../src/guarantees/capability-report.js';
import { GUARANTEE_NAMES, type Capability, type Guarantee } from '../../src/guarantees/vocabulary.js';
import { createEvent } from '../../src/event/create-event.js';
import type { Event, EventInput } from '../../src/event/types.js';
import type { Logger } from '../../src/logging/logger.js';

/** A complete capability report: everything native except push, with overrides. */
export function fakeCapabilities(
  overrides: Partial<Record<Guarantee, Capability>> = {},
  broker = 'fake',
  variant = 'default',
): CapabilityReport {
  const entries = {} as Record<Guarantee, Capability>;
  for (const g of GUARANTEE_NAMES) entries[g] = { level: 'native', detail: `fake does ${g}` };
  entries.push = { level: 'unsupported', detail: 'fake has no endpoints' };
  return new CapabilityReport(broker, variant, { ...entries, ...overrides });
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Polls `cond` every few ms until it holds; fails after `timeoutMs` (real timers only). */
export async function waitFor(cond: () => boolean, what = 'condition', timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets pending promise callbacks and immediates run (works with real timers). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'debug', message, fields });
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, fields });
  }
}

/** What a fake sender does with one `send` call. */
export type SendStep =
  'ok' | Error | ((batch: readonly OutgoingEvent[]) => SendOutcome[] | Promise<SendOutcome[]>);

/** A sender that records batches; `steps` script successive calls (then: all ok). */
export class FakeSender implements DriverSender {
  readonly batches: OutgoingEvent[][] = [];
  readonly callTimes: number[] = [];
  closed = false;
  private offset = 0;

  constructor(public steps: SendStep[] = []) {}

  send(batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    this.batches.push([...batch]);
    this.callTimes.push(Date.now());
    const step = this.steps.shift() ?? 'ok';
    if (step instanceof Error) return Promise.reject(step);
    if (typeof step === 'function') return Promise.resolve(step(batch));
    return Promise.resolve(
      batch.map(() => ({ ok: true as const, receipt: { partition: '0', offset: this.offset++ } })),
    );
  }

  get sent(): Event[] {
    return this.batches.flat().map((o) => o.event);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export interface FakeReceiverFeatures {
  settlement?: 'per-message' | 'offset';
  nack?: boolean;
  deadLetter?: boolean;
  extendLease?: boolean;
  commit?: boolean;
}

/**
 * A receiver over an in-test queue. `push` makes messages available; `receive`
 * returns up to `max` of them or waits until some arrive or the signal aborts.
 * Optional SPI methods exist only when the matching feature is on.
 */
export class FakeReceiver implements DriverReceiver {
  readonly settlement: 'per-message' | 'offset';
  readonly queue: ReceivedMessage[] = [];
  readonly acked: ReceivedMessage[] = [];
  readonly ackCalls: number[] = [];
  readonly nacks: { message: ReceivedMessage; delayMs: number; at: number }[] = [];
  readonly deadLettered: { message: ReceivedMessage; reason: string }[] = [];
  readonly extended: { message: ReceivedMessage; ms: number }[] = [];
  readonly commits: { partition: string; offset: number }[] = [];
  readonly receiveMax: number[] = [];
  /** Errors thrown by the next `receive` calls, in order. */
  receiveErrors: Error[] = [];
  closed = false;
  private wake: (() => void) | undefined;

  nack?: (message: ReceivedMessage, delayMs: number) => Promise<void>;
  deadLetter?: (message: ReceivedMessage, reason: string) => Promise<void>;
  extendLease?: (message: ReceivedMessage, ms: number) => Promise<void>;
  commit?: (partition: string, nextOffset: number) => Promise<void>;

  constructor(features: FakeReceiverFeatures = {}) {
    this.settlement = features.settlement ?? 'per-message';
    if (features.nack ?? this.settlement === 'per-message') {
      this.nack = (message, delayMs) => {
        this.nacks.push({ message, delayMs, at: Date.now() });
        return Promise.resolve();
      };
    }
    if (features.deadLetter) {
      this.deadLetter = (message, reason) => {
        this.deadLettered.push({ message, reason });
        return Promise.resolve();
      };
    }
    if (features.extendLease) {
      this.extendLease = (message, ms) => {
        this.extended.push({ message, ms });
        return Promise.resolve();
      };
    }
    if (features.commit ?? this.settlement === 'offset') {
      this.commit = (partition, offset) => {
        this.commits.push({ partition, offset });
        return Promise.resolve();
      };
    }
  }

  push(...messages: ReceivedMessage[]): void {
    this.queue.push(...messages);
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    this.receiveMax.push(max);
    const err = this.receiveErrors.shift();
    if (err !== undefined) throw err;
    while (this.queue.length === 0) {
      if (signal.aborted || this.closed) return [];
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return this.queue.splice(0, max);
  }

  ack(messages: readonly ReceivedMessage[]): Promise<void> {
    this.ackCalls.push(messages.length);
    this.acked.push(...messages);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
    return Promise.resolve();
  }
}

let handleSeq = 0;

/** A received message for `input` (deliveryCount 1, fresh handle). */
export function message(
  input: Partial<EventInput> = {},
  extra: Partial<ReceivedMessage> = {},
): ReceivedMessage {
  return {
    event: createEvent({ type: 't', source: '/test', ...input }),
    deliveryCount: 1,
    handle: ++handleSeq,
    ...extra,
  };
}

export interface FakeDriverOptions {
  capabilities?: CapabilityReport;
  sender?: (topic: string) => DriverSender;
  receiver?: (topic: string, options: ReceiverOptions) => DriverReceiver;
}

/** A driver handing out fake senders/receivers (one FakeSender per topic by default). */
export class FakeDriver implements Driver {
  readonly name = 'fake';
  readonly capabilities: CapabilityReport;
  readonly senders = new Map<string, FakeSender>();
  readonly senderOptions: { topic: string; options: SenderOptions }[] = [];
  readonly receiverOptions: { topic: string; options: ReceiverOptions }[] = [];
  readonly receivers: DriverReceiver[] = [];
  closed = false;

  constructor(private readonly opts: FakeDriverOptions = {}) {
    this.capabilities = opts.capabilities ?? fakeCapabilities();
  }

  describe(): string {
    return 'fake://test';
  }

  sender(topic: string): FakeSender {
    let s = this.senders.get(topic);
    if (s === undefined) {
      s = new FakeSender();
      this.senders.set(topic, s);
    }
    return s;
  }

  openSender(topic: string, options: SenderOptions): Promise<DriverSender> {
    this.senderOptions.push({ topic, options });
    return Promise.resolve(this.opts.sender?.(topic) ?? this.sender(topic));
  }

  openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    this.receiverOptions.push({ topic, options });
    const r = this.opts.receiver?.(topic, options) ?? new FakeReceiver();
    this.receivers.push(r);
    return Promise.resolve(r);
  }

  raw(): unknown {
    return { native: true };
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

export function uniqueName(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Active resources of the kinds that keep a process alive: timers, sockets, child processes. */
export function liveHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r === 'Timeout' || r === 'TCPWRAP' || r === 'TCPSocketWrap' || r === 'ProcessWrap').length;
}
