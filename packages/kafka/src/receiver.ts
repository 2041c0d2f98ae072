import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import {
  BrokerUnavailableError,
  EventPortError,
  withRetryable,
  type DriverReceiver,
  type ReceivedMessage,
  type ReceiverOptions,
  type StagedOutput,
} from '@eventport/core/driver';
import type { Logger } from '@eventport/core/driver';
import { subscriptionAwareAssigner } from './assigner.js';
import type { KafkaConfig } from './config.js';
import { mapKafkaError } from './errors.js';
import { FetchBuffer } from './fetch-buffer.js';
import { OffsetCommits, type CommitFloor } from './offset-commits.js';
import { resolveStartTargets } from './start-position.js';
import { TransactionalOutputs } from './transactions.js';

interface PartitionState extends CommitFloor {
  /** A start position (offset / time) is being applied: its batches are not delivered yet. */
  startPending: boolean;
}

export interface ReceiverDeps {
  readonly kafka: Kafka;
  readonly config: KafkaConfig;
  readonly topic: string;
  readonly options: ReceiverOptions;
  readonly delivery: 'at-most-once' | 'at-least-once' | 'exactly-once';
  readonly logger: Logger;
  readonly admin: () => Promise<Admin>;
  readonly ensureTopic: (topic: string) => Promise<void>;
  /** Set for exactly-once receivers: the transactional id of their producer. */
  readonly transactionalId: string | undefined;
}

const POLL_WAIT_MS = 1_000;
/** How long a full buffer holds the fetch loop before the topic is paused instead. */
const HOLD_MS = 1_000;

/**
 * One member of a consumer group, bridging kafkajs' push-style `eachBatch` to the SPI's pull-style
 * `receive`:
 *
 * - Fetched batches go into a buffer and `eachBatch` returns at once, so kafkajs' loop (fetch,
 *   heartbeat) does not wait for handlers: heartbeats keep flowing however slow a handler is.
 *   Backpressure: above `maxBufferedEvents` waiting events, `eachBatch` holds the fetch loop
 *   (calling heartbeat) for up to a second while handlers drain half the buffer — fetching resumes
 *   the moment they have; if they have not, the topic is paused (kafkajs stops fetching it and
 *   keeps heartbeating) and resumed once the buffer is half empty.
 * - Offsets are committed by the portable layer's contiguous tracker through `commit`; commits are
 *   coalesced (offset-commits.ts) and sent every `commitIntervalMs`, when a rebalance starts (kafkajs emits REBALANCING
 *   right before it sends JoinGroup after a FindCoordinator round trip, so the OffsetCommit issued
 *   here reaches the coordinator first, under the old generation), and on close.
 * - A commit only ever moves forward and only for partitions this member holds: each assignment
 *   begins at the first fetched offset, and commits at or below it are dropped.
 * - Exactly-once receivers commit through a transactional producer instead: the events handlers
 *   staged with ctx.send for inputs below the commit point, and the offsets (sendOffsets), go in one
 *   transaction.
 * - At-most-once receivers commit a batch's offsets before handing its events out.
 */
export class KafkaReceiver implements DriverReceiver {
  readonly settlement = 'offset' as const;
  /** Present on exactly-once receivers only (the portable layer checks for it). */
  readonly stage?: (message: ReceivedMessage, outputs: readonly StagedOutput[]) => Promise<boolean>;

  private readonly consumer: Consumer;
  private readonly topic: string;
  private readonly group: string;
  private readonly buffer: FetchBuffer;
  /** Exactly-once receivers only: outputs staged with ctx.send, committed with the offsets. */
  private readonly tx: TransactionalOutputs | undefined;
  private waiter: (() => void) | undefined;
  private paused = false;
  private epoch = 0;
  private assigned = new Map<number, PartitionState>();
  /** Commit points not written yet, and their writes (offset-commits.ts). */
  private readonly commits: OffsetCommits;
  private failure: EventPortError | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private joined: (() => void) | undefined;
  private crashed: ((err: unknown) => void) | undefined;
  /** At-most-once: a batch whose offsets could not be committed yet (handed out once they are). */
  private held: ReceivedMessage[] | undefined;
  private readonly highWater: number;
  private readonly lowWater: number;
  private pauses = 0;
  private holds = 0;
  private readonly drainWaiters = new Set<() => void>();
  private resumes = 0;

  private constructor(private readonly deps: ReceiverDeps) {
    const { kafka, config, topic, options } = deps;
    this.topic = topic;
    this.group = options.group;
    this.highWater = config.maxBufferedEvents;
    this.lowWater = Math.floor(config.maxBufferedEvents / 2);
    this.consumer = kafka.consumer({
      groupId: options.group,
      partitionAssigners: [subscriptionAwareAssigner, kafkajs.PartitionAssigners.roundRobin],
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      rebalanceTimeout: config.rebalanceTimeoutMs,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      retry: {
        initialRetryTime: 200,
        maxRetryTime: 5_000,
        retries: 8,
        restartOnFailure: async () => !this.closed,
      },
    });
    this.buffer = new FetchBuffer(topic);
    if (deps.transactionalId !== undefined) {
      this.tx = new TransactionalOutputs({
        kafka,
        config,
        transactionalId: deps.transactionalId,
        group: options.group,
        topic,
        logger: deps.logger,
        ensureTopic: deps.ensureTopic,
      });
      this.stage = (message, outputs) => this.stageOutputs(message, outputs);
    }
    this.commits = new OffsetCommits({
      consumer: this.consumer,
      topic,
      group: options.group,
      intervalMs: config.commitIntervalMs,
      logger: deps.logger,
      tx: this.tx,
      assignment: () => ({ partitions: this.assigned, epoch: this.epoch }),
      isClosed: () => this.closed,
      fail: (err, why) => this.fail(err, why),
    });
  }

  /** Connects, joins the group and starts fetching. Rejects with a mapped error when the first join fails. */
  static async open(deps: ReceiverDeps): Promise<KafkaReceiver> {
    const r = new KafkaReceiver(deps);
    try {
      await r.start();
    } catch (err) {
      await r.close().catch(() => undefined);
      throw mapKafkaError(err, `joining group "${deps.options.group}" on "${deps.topic}"`, deps.topic);
    }
    return r;
  }

  private async start(): Promise<void> {
    const { consumer, topic } = this;
    const events = consumer.events;
    consumer.on(events.GROUP_JOIN, (e) => this.onAssigned(e.payload.memberAssignment[topic] ?? []));
    consumer.on(events.REBALANCING, () => this.onRebalancing());
    consumer.on(events.CRASH, (e) => this.onCrash(e.payload.error, e.payload.restart));
    const joined = new Promise<void>((resolve, reject) => {
      this.joined = resolve;
      this.crashed = reject;
    });
    if (this.tx !== undefined) await this.tx.connect();
    await consumer.connect();
    const from = this.deps.options.from;
    await consumer.subscribe({ topic, fromBeginning: from !== 'latest' });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
    await joined;
  }

  /** Diagnostics: events fetched and not handed out yet, whether fetching is paused, and how often it was. */
  get stats(): {
    buffered: number;
    paused: boolean;
    holds: number;
    pauses: number;
    resumes: number;
    assigned: number[];
  } {
    return {
      buffered: this.buffered(),
      paused: this.paused,
      holds: this.holds,
      pauses: this.pauses,
      resumes: this.resumes,
      assigned: [...this.assigned.keys()],
    };
  }

  // ---- kafkajs callbacks -------------------------------------------------------------------

  private async onBatch({
    batch,
    isRunning,
    isStale,
    resolveOffset,
    heartbeat,
  }: EachBatchPayload): Promise<void> {
    if (this.closed || !isRunning() || isStale() || batch.messages.length === 0) return;
    const state = this.assigned.get(batch.partition);
    if (state === undefined || state.startPending) return; // not resolved: fetched again
    const first = Number(batch.messages[0]!.offset);
    if (state.floor === undefined) {
      state.floor = first;
      if (this.commits.has(batch.partition)) this.commits.schedule();
    }
    this.buffer.push(batch.partition, this.epoch, batch.messages);
    resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
    this.wake();
    if (this.paused || this.buffered() < this.highWater) return;
    // Backpressure. Short stalls: hold the fetch loop here (heartbeating) until handlers drain half
    // the buffer, so fetching resumes the moment they do. Long stalls (slow handlers): pause the
    // topic and give the loop back; kafkajs keeps heartbeating while every partition is paused.
    const deadline = Date.now() + HOLD_MS;
    this.holds++;
    while (this.buffered() > this.lowWater && !this.closed && isRunning() && !isStale()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.paused = true;
        this.pauses++;
        this.consumer.pause([{ topic: this.topic }]);
        return;
      }
      await this.drained(Math.min(left, this.deps.config.heartbeatIntervalMs));
      try {
        await heartbeat();
      } catch (err) {
        // a rebalance is starting: commit what is settled while this generation still counts
        await this.commits.flush().catch(() => undefined);
        throw err;
      }
    }
  }

  /** Resolves when the buffer is at or below the low-water mark, or after `ms`. */
  private drained(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.drainWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.drainWaiters.add(done);
    });
  }

  private onAssigned(partitions: readonly number[]): void {
    this.epoch++;
    const needsStart = typeof this.deps.options.from === 'object';
    this.assigned = new Map(
      partitions.map((p) => [p, { floor: undefined, committed: undefined, startPending: needsStart }]),
    );
    this.commits.retainOnly(this.assigned);
    for (const p of this.tx?.partitions() ?? []) if (!this.assigned.has(p)) this.tx?.drop(p);
    this.clearBuffer();
    if (needsStart && partitions.length > 0) void this.applyStart(this.epoch, partitions);
    this.joined?.();
    this.joined = undefined;
    this.crashed = undefined;
    this.wake();
  }

  private onRebalancing(): void {
    // Give back what no handler has taken yet (the next owner reads it from the committed offset),
    // and commit what is settled while this generation is still valid.
    this.clearBuffer();
    void this.commits.flush();
  }

  private onCrash(error: unknown, restart: boolean): void {
    this.epoch++;
    this.assigned = new Map();
    this.clearBuffer();
    if (this.crashed !== undefined) {
      this.crashed(error);
      this.joined = undefined;
      this.crashed = undefined;
      return;
    }
    if (!restart && !this.closed) {
      const mapped = mapKafkaError(error, `consuming "${this.topic}"`, this.topic);
      this.failure = withRetryable(mapped, false);
      this.wake();
    } else if (!this.closed) {
      this.deps.logger.warn('kafka consumer crashed; kafkajs restarts it and rejoins the group', {
        topic: this.topic,
        group: this.group,
        error,
      });
    }
  }

  /** Positions partitions that have no committed offset at the requested offset or time. */
  private async applyStart(epoch: number, partitions: readonly number[]): Promise<void> {
    try {
      const admin = await this.deps.admin();
      const { committed, targets } = await resolveStartTargets(
        admin,
        this.group,
        this.topic,
        this.deps.options.from,
      );
      if (epoch !== this.epoch) return;
      for (const p of partitions) {
        const target = targets.get(p);
        if (!committed.has(p) && target !== undefined)
          this.consumer.seek({ topic: this.topic, partition: p, offset: String(target) });
      }
    } catch (err) {
      this.deps.logger.warn('could not apply the start position; starting from the earliest offset', {
        topic: this.topic,
        group: this.group,
        error: err,
      });
    }
    if (epoch !== this.epoch) return;
    for (const p of partitions) {
      const s = this.assigned.get(p);
      if (s !== undefined) s.startPending = false;
    }
  }

  // ---- SPI ----------------------------------------------------------------------------------

  async receive(max: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + POLL_WAIT_MS;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.closed || signal.aborted) return [];
      if (this.held !== undefined || this.buffered() > 0) {
        const out = this.held ?? this.take(max);
        this.held = undefined;
        if (out.length === 0) continue;
        if (this.deps.delivery !== 'at-most-once') return out;
        const safe = await this.commitBeforeHandling(out);
        if (safe === undefined) {
          this.held = out;
          throw new BrokerUnavailableError(
            `kafka: committing the offsets of a fetched batch of "${this.topic}" failed; retrying before handing it out`,
          );
        }
        if (safe.length > 0) return safe;
      }
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.wait(left, signal);
    }
  }

  ack(): Promise<void> {
    return Promise.resolve(); // offset settlement: the portable layer calls commit
  }

  commit(partition: string, nextOffset: number): Promise<void> {
    this.commits.record(Number(partition), nextOffset);
    return Promise.resolve();
  }

  /** Commits what is settled, leaves the group, releases the connections. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.commits.stop();
    await this.commits.flush().catch(() => undefined);
    this.closed = true;
    this.wake();
    await this.consumer
      .disconnect()
      .catch((err: unknown) => this.deps.logger.debug('kafka consumer disconnect failed', { error: err }));
    await this.tx?.close();
  }

  // ---- buffer -------------------------------------------------------------------------------

  private buffered(): number {
    return this.buffer.size;
  }

  private clearBuffer(): void {
    this.buffer.clear();
    if (this.paused) {
      this.paused = false;
      try {
        this.consumer.resume([{ topic: this.topic }]);
      } catch {
        // the consumer is restarting: its new group starts unpaused
      }
    }
  }

  /** Takes records of the current assignment; at the low-water mark, lets fetching go on. */
  private take(max: number): ReceivedMessage[] {
    const out = this.buffer.take(max, this.epoch);
    if (this.buffer.size <= this.lowWater) {
      for (const w of [...this.drainWaiters]) w();
      if (this.paused) {
        this.paused = false;
        this.resumes++;
        this.consumer.resume([{ topic: this.topic }]);
      }
    }
    return out;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.waiter === done) this.waiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiter = done;
    });
  }

  /**
   * At-most-once: the batch's offsets are committed before any of its events is handled. Returns
   * the events to hand out (those of partitions revoked meanwhile are dropped: the next owner may
   * read them), or undefined when a commit failed and the batch must wait.
   */
  private async commitBeforeHandling(
    messages: readonly ReceivedMessage[],
  ): Promise<ReceivedMessage[] | undefined> {
    const needed = new Map<number, number>();
    for (const m of messages) {
      const p = Number(m.partition);
      needed.set(p, Math.max(needed.get(p) ?? -1, m.offset! + 1));
    }
    for (const [p, next] of needed) this.commits.record(p, next);
    await this.commits.flush();
    for (const [p, next] of needed) {
      const s = this.assigned.get(p);
      if (s !== undefined && (s.committed ?? -1) < next) return undefined;
    }
    return messages.filter((m) => m.handle === this.epoch && this.assigned.has(Number(m.partition)));
  }

  // ---- exactly-once -------------------------------------------------------------------------

  private stageOutputs(message: ReceivedMessage, outputs: readonly StagedOutput[]): Promise<boolean> {
    const p = Number(message.partition);
    if (this.closed || message.handle !== this.epoch || !this.assigned.has(p) || this.tx === undefined)
      return Promise.resolve(false);
    return this.tx.stage(p, message.offset!, outputs);
  }

  private fail(err: unknown, why: string): void {
    const mapped = mapKafkaError(err, `exactly-once consumer of "${this.topic}": ${why}`, this.topic);
    this.failure = withRetryable(mapped, false);
    this.tx?.dropAll();
    this.wake();
  }
}
