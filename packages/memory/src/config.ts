import { intOption as int, boolOption as bool } from '@eventport/core/driver';
import { ConfigError } from '@eventport/core/driver';
import { parseFaults, type MemoryFaults } from './faults.js';

/** Options of `connect({ kind: 'memory', … })`, or the query of `memory://NAME?…`. */
export interface MemoryOptions {
  /** Shared instance name (default "default"); the URL host. */
  name?: string;
  /** Partitions of auto-created topics (default 4). */
  partitions?: number;
  /** Maximum event size in bytes (default 1 MiB). */
  maxEventSize?: number;
  /** Create topics on first use (default true). */
  autoCreateTopics?: boolean;
  /**
   * How long records stay after they were appended, in ms (default forever, so
   * any group can replay from the earliest record). 0 = retention off: a record
   * is dropped once every group of its topic has taken it (no replay; the
   * broker holds only what some group still has to read or settle).
   */
  retentionMs?: number;
  faults?: MemoryFaults;
}

export interface MemoryConfig {
  readonly name: string;
  readonly partitions: number;
  readonly maxEventSize: number;
  readonly autoCreateTopics: boolean;
  readonly retentionMs: number;
  readonly faults: MemoryFaults;
}

const KNOWN = [
  'name',
  'partitions',
  'maxEventSize',
  'autoCreateTopics',
  'retentionMs',
  'faults',
  'fault',
  'faultEvery',
];

/** Validates URL/options. @throws ConfigError naming the bad option. */
export function parseMemoryConfig(
  url: URL | undefined,
  options: Readonly<Record<string, unknown>>,
): MemoryConfig {
  for (const k of Object.keys(options)) {
    if (!KNOWN.includes(k)) throw new ConfigError(k, `unknown memory:// option; known: ${KNOWN.join(', ')}`);
  }
  const fromUrl =
    url !== undefined ? decodeURIComponent(url.hostname || url.pathname.replace(/^\/+/, '')) : '';
  const name = String(options.name ?? (fromUrl || 'default'));
  return {
    name,
    partitions: int(options.partitions, 4, 'partitions', 1, 1024),
    maxEventSize: int(options.maxEventSize, 1024 * 1024, 'maxEventSize', 1, Number.MAX_SAFE_INTEGER),
    autoCreateTopics: bool(options.autoCreateTopics, true, 'autoCreateTopics'),
    retentionMs:
      options.retentionMs === undefined
        ? Infinity
        : int(options.retentionMs, 0, 'retentionMs', 0, Number.MAX_SAFE_INTEGER),
    faults: parseFaults(options.faults ?? options.fault, options.faultEvery),
  };
}
