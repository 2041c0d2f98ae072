import { ConfigError } from '@eventport/core/driver';

/**
 * Deliberate breakage, so the conformance suite can prove that it notices.
 * Faults act in one connection's driver; the shared broker state stays sound.
 */
export interface MemoryFaults {
  /** Silently drop every Nth published event while reporting success. */
  readonly drop?: number;
  /** Deliver every Nth received event twice. */
  readonly duplicate?: number;
  /** Reverse each received batch and ignore per-key ordering. */
  readonly reorder?: boolean;
  /** Ignore nack delays and delayed delivery (everything is immediate). */
  readonly delay?: boolean;
  /** Lose every Nth ack, as if the consumer crashed before acknowledging. */
  readonly crashBeforeAck?: number;
  /**
   * Hand messages over with a quarter of their lease left while declaring a full one (a driver
   * that held messages back and does not report their real deadline: issue 16's FIFO bug).
   */
  readonly shortLease?: boolean;
  /** Accept lease extensions and apply none (the lease runs out at its first deadline). */
  readonly ignoreExtend?: boolean;
  /**
   * At close, receive what arrives within a short grace and give it back counted as a delivery,
   * so that its first handler attempt is reported as attempt 2 (a driver that passes on a broker's
   * delivery count when it gave back receives no handler saw: issue 16).
   */
  readonly countGiveBacks?: boolean;
}

export const FAULT_NAMES = [
  'drop',
  'duplicate',
  'reorder',
  'delay',
  'crashBeforeAck',
  'shortLease',
  'ignoreExtend',
  'countGiveBacks',
] as const;

/** Faults that are on or off (the others act on every Nth event). */
const SWITCHES: readonly string[] = ['reorder', 'delay', 'shortLease', 'ignoreExtend', 'countGiveBacks'];

/** Share of the lease a message really has left at hand-off under the `shortLease` fault. */
export const SHORT_LEASE_SHARE = 0.25;

/** How long a receiver with the `countGiveBacks` fault keeps receiving while it closes. */
export const GIVE_BACK_GRACE_MS = 250;

/** Parses `fault=drop,duplicate&faultEvery=10` (URL form) or passes an options object through. */
export function parseFaults(value: unknown, every: unknown): MemoryFaults {
  if (value === undefined) return {};
  if (typeof value === 'object' && value !== null) return value as MemoryFaults;
  const n = every === undefined ? 10 : Number(every);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError('faultEvery', 'must be an integer >= 1');
  const faults: Record<string, number | boolean> = {};
  for (const name of String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(FAULT_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError('fault', `unknown fault "${name}"; known: ${FAULT_NAMES.join(', ')}`);
    }
    faults[name] = SWITCHES.includes(name) ? true : n;
  }
  return faults as MemoryFaults;
}

/** Counts calls and says when the Nth one comes up. */
export class EveryNth {
  private count = 0;
  constructor(private readonly n: number | undefined) {}
  hit(): boolean {
    return this.n !== undefined && ++this.count % this.n === 0;
  }
}
