/**
 * Emulator configuration: the options object, Microsoft's emulator `Config.json` shape, and the
 * defaults a user of Microsoft's emulator would expect.
 */
import fs from 'node:fs';

/** One event hub and its consumer groups (`$Default` always exists). */
export interface HubConfig {
  readonly name: string;
  readonly partitionCount: number;
  readonly consumerGroups: readonly string[];
}

/** A shared access key the emulator accepts SAS tokens for. */
export interface SasKey {
  readonly name: string;
  readonly key: string;
}

export interface EmulatorOptions {
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** AMQP port. Default 5672; 0 picks a free port (see `EventHubsEmulator.port`). */
  readonly port?: number;
  /** Hubs served from the start. Default: {@link DEFAULT_HUBS}. */
  readonly hubs?: readonly HubConfig[];
  /** Accepted keys. Default: RootManageSharedAccessKey / SAS_KEY_VALUE. */
  readonly keys?: readonly SasKey[];
  /** Create an unknown hub or consumer group on first use (default true). */
  readonly autoCreate?: boolean;
  /** Partition count of hubs created on first use (default 4). */
  readonly defaultPartitionCount?: number;
  /** Largest message (a whole batch) a sender may transfer, in bytes. Default 1 MiB. */
  readonly maxMessageSize?: number;
  /** Events older than this are dropped (default 1 hour · 24 = 1 day; 0 = keep forever). */
  readonly retentionMs?: number;
  /** Oldest events of a partition are dropped while it holds more bytes than this (0 = no limit). */
  readonly retentionBytesPerPartition?: number;
  /** Directory that keeps every hub's events across restarts. Default: none (memory only). */
  readonly dataDir?: string;
  /** Namespace host name used in connection strings and audiences. Default `localhost`. */
  readonly namespace?: string;
  /** Where log lines go. Default: nowhere. */
  readonly log?: (line: string) => void;
}

/** Options with every default applied. */
export type ResolvedOptions = Required<Omit<EmulatorOptions, 'dataDir'>> & { readonly dataDir?: string };

export const DEFAULT_KEY: SasKey = { name: 'RootManageSharedAccessKey', key: 'SAS_KEY_VALUE' };
export const DEFAULT_CONSUMER_GROUP = '$Default';
export const MAX_MESSAGE_SIZE = 1024 * 1024;

/** The hubs of the repository's integration-tests/eventhubs-emulator/Config.json. */
export const DEFAULT_HUBS: readonly HubConfig[] = [
  { name: 'eventport', partitionCount: 4, consumerGroups: ['billing', 'audit'] },
  { name: 'eventport-conformance', partitionCount: 4, consumerGroups: ['conformance-a', 'conformance-b'] },
];

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  return {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 5672,
    hubs: options.hubs ?? DEFAULT_HUBS,
    keys: options.keys ?? [DEFAULT_KEY],
    autoCreate: options.autoCreate ?? true,
    defaultPartitionCount: options.defaultPartitionCount ?? 4,
    maxMessageSize: options.maxMessageSize ?? MAX_MESSAGE_SIZE,
    retentionMs: options.retentionMs ?? 24 * 3600_000,
    retentionBytesPerPartition: options.retentionBytesPerPartition ?? 0,
    dataDir: options.dataDir,
    namespace: options.namespace ?? 'localhost',
    log: options.log ?? (() => undefined),
  };
}

interface MicrosoftEntity {
  Name?: unknown;
  PartitionCount?: unknown;
  ConsumerGroups?: Array<{ Name?: unknown }>;
}
interface MicrosoftConfig {
  UserConfig?: { NamespaceConfig?: Array<{ Type?: unknown; Entities?: MicrosoftEntity[] }> };
}

/**
 * Reads hubs from a file in the shape of Microsoft's emulator `Config.json`
 * (`UserConfig.NamespaceConfig[].Entities[]` with `Name`, `PartitionCount`, `ConsumerGroups[].Name`).
 * Throws an Error naming the file and the bad field.
 */
export function parseMicrosoftConfig(text: string, file = 'Config.json'): HubConfig[] {
  let parsed: MicrosoftConfig;
  try {
    parsed = JSON.parse(text) as MicrosoftConfig;
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  const namespaces = parsed.UserConfig?.NamespaceConfig;
  if (!Array.isArray(namespaces)) throw new Error(`${file}: UserConfig.NamespaceConfig must be an array`);
  const hubs: HubConfig[] = [];
  for (const ns of namespaces) {
    for (const entity of ns.Entities ?? []) {
      if (typeof entity.Name !== 'string' || !entity.Name) throw new Error(`${file}: an entity has no Name`);
      const count = Number(entity.PartitionCount ?? 1);
      if (!Number.isInteger(count) || count < 1 || count > 1024)
        throw new Error(`${file}: ${entity.Name}.PartitionCount must be an integer 1..1024`);
      const groups = (entity.ConsumerGroups ?? []).map((g) => String(g.Name ?? ''));
      if (groups.some((g) => !g))
        throw new Error(`${file}: ${entity.Name} has a consumer group without Name`);
      hubs.push({ name: entity.Name, partitionCount: count, consumerGroups: groups });
    }
  }
  return hubs;
}

export function readMicrosoftConfig(file: string): HubConfig[] {
  return parseMicrosoftConfig(fs.readFileSync(file, 'utf8'), file);
}
