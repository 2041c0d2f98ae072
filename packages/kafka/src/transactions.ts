import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { createEvent, type Logger, type StagedOutput } from '@eventport/core/driver';
import type { KafkaConfig } from './config.js';
import { isFenced } from './errors.js';
import { eventPortPartitioner } from './partitioner.js';
import { encodeRecord } from './wire.js';

/** What the transactions of one exactly-once receiver need. */
export interface TransactionDeps {
  readonly kafka: Kafka;
  readonly config: KafkaConfig;
  readonly transactionalId: string;
  readonly group: string;
  readonly topic: string;
  readonly logger: Logger;
  readonly ensureTopic: (topic: string) => Promise<void>;
}

/** The outcome of one commit: committed, to be retried at the next flush, or the receiver is done. */
export type TransactionOutcome =
  | { readonly kind: 'committed' }
  | { readonly kind: 'retry' }
  | { readonly kind: 'failed'; readonly error: unknown; readonly why: string };

/** Commit points of partitions, as the receiver's flush computes them. */
export type CommitPoints = readonly { readonly partition: number; readonly next: number }[];

interface Staged {
  readonly partition: number;
  readonly offset: number;
  readonly records: TopicMessages[];
  readonly done: (committed: boolean) => void;
}

/**
 * Kafka-to-Kafka exactly-once: the events handlers sent with `ctx.send` are held per input
 * partition and written in the same transaction as the offsets that pass their inputs (so they
 * become visible exactly when their inputs count as consumed). One transactional producer per
 * receiver. `commit` is called one at a time (the receiver serialises flushes); `stage` and the
 * drops may come at any time between.
 */
export class TransactionalOutputs {
  private readonly staged = new Map<number, Staged[]>();
  private readonly knownOutputTopics = new Set<string>();
  private producer: Promise<Producer> | undefined;

  constructor(private readonly deps: TransactionDeps) {}

  /** Connects the transactional producer (once; later calls share it). */
  connect(): Promise<Producer> {
    this.producer ??= (async () => {
      const { kafka, config, transactionalId } = this.deps;
      const producer = kafka.producer({
        transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: config.transactionTimeoutMs,
        allowAutoTopicCreation: false,
        createPartitioner: eventPortPartitioner,
        retry: { initialRetryTime: 100, maxRetryTime: 3_000, retries: 5 },
      });
      await producer.connect();
      return producer;
    })();
    return this.producer;
  }

  /** Holds the outputs of the input at `offset` of `partition`; resolves true once committed. */
  stage(partition: number, offset: number, outputs: readonly StagedOutput[]): Promise<boolean> {
    const byTopic = new Map<string, Message[]>();
    for (const o of outputs) {
      const list = byTopic.get(o.topic) ?? [];
      for (const e of o.events) list.push(encodeRecord(createEvent(e)));
      byTopic.set(o.topic, list);
    }
    const records = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    return new Promise<boolean>((resolve) => {
      const list = this.staged.get(partition) ?? [];
      list.push({ partition, offset, records, done: resolve });
      this.staged.set(partition, list);
    });
  }

  /** Partitions with outputs waiting. */
  partitions(): number[] {
    return [...this.staged.keys()];
  }

  /** Drops the outputs of a partition this member no longer holds (their promises resolve false). */
  drop(partition: number): void {
    const list = this.staged.get(partition);
    this.staged.delete(partition);
    for (const s of list ?? []) s.done(false);
  }

  dropAll(): void {
    for (const p of this.partitions()) this.drop(p);
  }

  /**
   * One transaction: the staged events of every input below the commit points, then the commit
   * points themselves (sendOffsets takes the NEXT offset to read), then commit. A failure before
   * the commit aborts (nothing becomes visible) and is retried at the next flush; a failure of the
   * commit itself, or a fenced producer, fails the receiver (its outcome is unknown, so the events
   * are left to be read again from the last committed offset). `holds(p)` says whether this member
   * still holds partition p (outputs of others are dropped when restaged).
   */
  async commit(commits: CommitPoints, holds: (partition: number) => boolean): Promise<TransactionOutcome> {
    const taken: Staged[] = [];
    for (const c of commits) {
      const list = this.staged.get(c.partition);
      if (list === undefined) continue;
      const keep: Staged[] = [];
      for (const s of list) (s.offset < c.next ? taken : keep).push(s);
      if (keep.length > 0) this.staged.set(c.partition, keep);
      else this.staged.delete(c.partition);
    }
    const topicMessages = mergeTopics(taken.flatMap((s) => s.records));
    let txn: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      for (const t of topicMessages) {
        if (!this.knownOutputTopics.has(t.topic)) {
          await this.deps.ensureTopic(t.topic);
          this.knownOutputTopics.add(t.topic);
        }
      }
      txn = await (await this.connect()).transaction();
      if (topicMessages.length > 0) await txn.sendBatch({ topicMessages, acks: -1 });
      await txn.sendOffsets({
        consumerGroupId: this.deps.group,
        topics: [
          {
            topic: this.deps.topic,
            partitions: commits.map((c) => ({ partition: c.partition, offset: String(c.next) })),
          },
        ],
      });
    } catch (err) {
      if (txn !== undefined) await txn.abort().catch(() => undefined);
      this.restage(taken, holds);
      if (isFenced(err))
        return {
          kind: 'failed',
          error: err,
          why: 'the transactional producer was fenced by another instance',
        };
      this.deps.logger.warn('transaction failed before its commit and was aborted; it is retried', {
        topic: this.deps.topic,
        group: this.deps.group,
        error: err,
      });
      return { kind: 'retry' };
    }
    try {
      await txn.commit();
    } catch (err) {
      for (const s of taken) s.done(false);
      return { kind: 'failed', error: err, why: 'a transaction commit failed (outcome unknown)' };
    }
    for (const s of taken) s.done(true);
    return { kind: 'committed' };
  }

  /** Drops every staged output and disconnects the producer. */
  async close(): Promise<void> {
    this.dropAll();
    const producer = this.producer;
    this.producer = undefined;
    if (producer !== undefined)
      await (await producer.catch(() => undefined))?.disconnect().catch(() => undefined);
  }

  private restage(entries: readonly Staged[], holds: (partition: number) => boolean): void {
    for (const s of entries) {
      if (!holds(s.partition)) {
        s.done(false);
        continue;
      }
      const list = this.staged.get(s.partition) ?? [];
      list.push(s);
      this.staged.set(s.partition, list);
    }
  }
}

function mergeTopics(records: readonly TopicMessages[]): TopicMessages[] {
  const by = new Map<string, Message[]>();
  for (const r of records) {
    const list = by.get(r.topic);
    if (list === undefined) by.set(r.topic, [...r.messages]);
    else list.push(...r.messages);
  }
  return [...by].map(([topic, messages]) => ({ topic, messages }));
}
