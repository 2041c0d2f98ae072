import {
  ConfigError,
  TopicNotFoundError,
  withDeadLetterInfo,
  type StartPosition,
} from '@eventport/core/driver';
import { Group, type GroupSettings } from './group.js';
import { Topic, type StoredRecord } from './topic.js';

export interface MemoryBrokerSettings {
  /** Partitions of auto-created topics (default 4). */
  readonly partitions: number;
  /** Records older than this are dropped (default Infinity). */
  readonly retentionMs: number;
  /** Create topics on first use (default true). */
  readonly autoCreateTopics: boolean;
}

/**
 * The embedded broker: named instances shared across the process
 * (`memory://orders` everywhere in one process is the same broker), holding
 * topics and their consumer groups. All state is in memory and lost on exit.
 * Single-threaded: every operation is synchronous and atomic.
 */
export class MemoryBroker {
  private static readonly instances = new Map<string, MemoryBroker>();
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();

  private constructor(
    readonly name: string,
    readonly settings: MemoryBrokerSettings,
  ) {}

  /**
   * The shared instance called `name`, created with `settings` on first use.
   * @throws ConfigError when the instance exists with different broker settings.
   */
  static instance(name: string, settings: MemoryBrokerSettings): MemoryBroker {
    let b = MemoryBroker.instances.get(name);
    if (b === undefined) {
      b = new MemoryBroker(name, settings);
      MemoryBroker.instances.set(name, b);
      return b;
    }
    for (const k of ['partitions', 'retentionMs'] as const) {
      if (b.settings[k] !== settings[k]) {
        throw new ConfigError(
          k,
          `memory://${name} already runs with ${k}=${String(b.settings[k])}; use another instance name for ${String(settings[k])}`,
        );
      }
    }
    return b;
  }

  /** Drops a named instance and all its data (tests). */
  static reset(name: string): void {
    MemoryBroker.instances.get(name)?.clear();
    MemoryBroker.instances.delete(name);
  }

  createTopic(name: string, partitions = this.settings.partitions): Topic {
    let t = this.topics.get(name);
    if (t === undefined) {
      t = new Topic(name, partitions, this.settings.retentionMs);
      this.topics.set(name, t);
    }
    return t;
  }

  deleteTopic(name: string): void {
    this.topics.delete(name);
    for (const [k, g] of this.groups) {
      if (g.topic.name === name) {
        g.close();
        this.groups.delete(k);
      }
    }
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  /** The topic, created when auto-creation is on. @throws TopicNotFoundError otherwise. */
  topic(name: string): Topic {
    const t = this.topics.get(name);
    if (t !== undefined) return t;
    if (!this.settings.autoCreateTopics) throw new TopicNotFoundError(name);
    return this.createTopic(name);
  }

  /** The group `group` on `topic`, created at `from` on first use. */
  group(topicName: string, group: string, from: StartPosition, settings: GroupSettings): Group {
    const key = `${topicName}\u0000${group}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      g = new Group(this.topic(topicName), group, from, settings, (rec, reason, attempts, dlq) =>
        this.deadLetter(rec, reason, attempts, dlq),
      );
      this.groups.set(key, g);
    } else if (settings.deadLetter !== undefined) {
      g.settings = { ...g.settings, deadLetter: settings.deadLetter };
    }
    return g;
  }

  /** Every record of a topic, in partition then offset order (inspection, tests). */
  records(topicName: string): StoredRecord[] {
    const t = this.topics.get(topicName);
    return t === undefined ? [] : t.partitions.flatMap((p) => p.records);
  }

  private deadLetter(record: StoredRecord, reason: string, attempts: number, dlqTopic: string): void {
    this.createTopic(dlqTopic).append(withDeadLetterInfo(record.event, reason, attempts), false);
  }

  private clear(): void {
    for (const g of this.groups.values()) g.close();
    this.groups.clear();
    this.topics.clear();
  }
}
