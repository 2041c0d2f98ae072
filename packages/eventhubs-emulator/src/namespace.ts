/**
 * The namespace: hubs, their partitions and consumer groups. Names are case-insensitive, as in
 * Azure. With `autoCreate`, a hub or consumer group unknown to the configuration is created the
 * first time anything refers to it.
 */
import { DEFAULT_CONSUMER_GROUP, type HubConfig, type ResolvedOptions } from './config.js';
import { Partition } from './partition.js';
import { PartitionLog, readHubMetas, writeHubMeta, type HubMeta } from './persistence.js';
import { PartitionReaders } from './readers.js';

export class ConsumerGroup {
  private readonly readers = new Map<string, PartitionReaders>();

  constructor(
    readonly hub: Hub,
    readonly name: string,
  ) {}

  /** The readers of one partition of this consumer group. */
  readersOf(partitionId: string): PartitionReaders {
    let r = this.readers.get(partitionId);
    if (!r) {
      r = new PartitionReaders(`${this.hub.name}/ConsumerGroups/${this.name}/Partitions/${partitionId}`);
      this.readers.set(partitionId, r);
    }
    return r;
  }
}

export class Hub {
  readonly partitions: Partition[];
  private readonly groups = new Map<string, ConsumerGroup>();
  private roundRobin = 0;

  constructor(
    readonly name: string,
    readonly createdAt: Date,
    partitionCount: number,
    consumerGroups: readonly string[],
    dataDir: string | undefined,
  ) {
    this.partitions = Array.from(
      { length: partitionCount },
      (_, i) =>
        new Partition(String(i), dataDir ? PartitionLog.forPartition(dataDir, name, String(i)) : undefined),
    );
    for (const g of [DEFAULT_CONSUMER_GROUP, ...consumerGroups]) this.addGroup(g);
  }

  get partitionIds(): string[] {
    return this.partitions.map((p) => p.id);
  }

  partition(id: string): Partition | undefined {
    return /^\d+$/.test(id) ? this.partitions[Number(id)] : undefined;
  }

  /** The next partition for an event without key or partition id. */
  nextRoundRobin(): Partition {
    const p = this.partitions[this.roundRobin % this.partitions.length]!;
    this.roundRobin = (this.roundRobin + 1) % this.partitions.length;
    return p;
  }

  group(name: string): ConsumerGroup | undefined {
    return this.groups.get(name.toLowerCase());
  }

  addGroup(name: string): ConsumerGroup {
    const existing = this.group(name);
    if (existing) return existing;
    const g = new ConsumerGroup(this, name);
    this.groups.set(name.toLowerCase(), g);
    return g;
  }

  get consumerGroupNames(): string[] {
    return [...this.groups.values()].map((g) => g.name).filter((n) => n !== DEFAULT_CONSUMER_GROUP);
  }

  meta(): HubMeta {
    return {
      name: this.name,
      partitionCount: this.partitions.length,
      consumerGroups: this.consumerGroupNames,
      createdAt: this.createdAt.getTime(),
    };
  }
}

export class Namespace {
  private readonly hubs = new Map<string, Hub>();

  constructor(private readonly options: ResolvedOptions) {
    const persisted = options.dataDir ? readHubMetas(options.dataDir) : [];
    for (const meta of persisted) {
      this.hubs.set(
        meta.name.toLowerCase(),
        new Hub(
          meta.name,
          new Date(meta.createdAt),
          meta.partitionCount,
          meta.consumerGroups,
          options.dataDir,
        ),
      );
    }
    for (const hub of options.hubs) {
      const existing = this.hubs.get(hub.name.toLowerCase());
      if (existing) {
        if (existing.partitions.length !== hub.partitionCount)
          options.log(
            `hub ${hub.name}: keeping the persisted ${existing.partitions.length} partitions (config says ${hub.partitionCount})`,
          );
        hub.consumerGroups.forEach((g) => existing.addGroup(g));
        this.persist(existing);
      } else this.create(hub);
    }
  }

  private create(config: HubConfig): Hub {
    const hub = new Hub(
      config.name,
      new Date(),
      config.partitionCount,
      config.consumerGroups,
      this.options.dataDir,
    );
    this.hubs.set(config.name.toLowerCase(), hub);
    this.persist(hub);
    return hub;
  }

  private persist(hub: Hub): void {
    if (this.options.dataDir) writeHubMeta(this.options.dataDir, hub.meta());
  }

  /** The hub called `name`; created on first use when `autoCreate` is on. */
  hub(name: string): Hub | undefined {
    const hub = this.hubs.get(name.toLowerCase());
    if (hub || !this.options.autoCreate || !isValidName(name)) return hub;
    this.options.log(`creating hub ${name} on first use (${this.options.defaultPartitionCount} partitions)`);
    return this.create({ name, partitionCount: this.options.defaultPartitionCount, consumerGroups: [] });
  }

  /** The consumer group `name` of `hub`; created on first use when `autoCreate` is on. */
  consumerGroup(hub: Hub, name: string): ConsumerGroup | undefined {
    const group = hub.group(name);
    if (group || !this.options.autoCreate || !isValidName(name)) return group;
    this.options.log(`creating consumer group ${hub.name}/${name} on first use`);
    const created = hub.addGroup(name);
    this.persist(hub);
    return created;
  }

  get allHubs(): Hub[] {
    return [...this.hubs.values()];
  }

  /** Applies the retention limits to every partition. */
  applyRetention(nowMs = Date.now()): void {
    for (const hub of this.hubs.values())
      for (const p of hub.partitions)
        p.applyRetention(nowMs, this.options.retentionMs, this.options.retentionBytesPerPartition);
  }

  close(): void {
    for (const hub of this.hubs.values()) hub.partitions.forEach((p) => p.close());
  }
}

/** Entity names: letters, digits, `.`, `-`, `_`, `$` (for `$Default`), 1–256 characters. */
function isValidName(name: string): boolean {
  return /^[A-Za-z0-9$][A-Za-z0-9._$-]{0,255}$/.test(name);
}
