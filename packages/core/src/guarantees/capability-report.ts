import { ConfigError, UnsupportedGuaranteeError, type MissingGuarantee } from '../errors/errors.js';
import { GUARANTEE_NAMES, GUARANTEES, isGuarantee, type Capability, type Guarantee } from './vocabulary.js';

/**
 * What a broker honours, computed for the configuration in hand (SQS standard
 * and FIFO give different reports). Immutable data; printable as a table or JSON.
 * Every word of the vocabulary has an entry: an adapter that forgets one fails
 * at construction, so a report is always complete.
 */
export class CapabilityReport {
  readonly entries: Readonly<Record<Guarantee, Capability>>;

  constructor(
    /** Broker name, e.g. "kafka". */
    readonly broker: string,
    /** Configuration variant, e.g. "fifo" or "default". */
    readonly variant: string,
    entries: Record<Guarantee, Capability>,
  ) {
    for (const name of GUARANTEE_NAMES) {
      if (entries[name] === undefined)
        throw new ConfigError('capabilities', `${broker} does not declare ${name}`);
    }
    for (const name of Object.keys(entries)) {
      if (!isGuarantee(name))
        throw new ConfigError('capabilities', `${broker} declares unknown guarantee ${name}`);
    }
    this.entries = Object.freeze({ ...entries });
    Object.freeze(this);
  }

  get(guarantee: Guarantee): Capability {
    return this.entries[guarantee];
  }

  /** True when the guarantee is native or emulated. */
  supports(guarantee: Guarantee): boolean {
    return this.entries[guarantee].level !== 'unsupported';
  }

  isNative(guarantee: Guarantee): boolean {
    return this.entries[guarantee].level === 'native';
  }

  /** The broker's maximum event size in bytes (Infinity when it declares none). */
  get maxEventSize(): number {
    return this.entries['max-event-size'].limit ?? Number.POSITIVE_INFINITY;
  }

  /** Which of `required` cannot be given, with the reason for each. Unknown names are reported too. */
  missing(required: readonly string[]): MissingGuarantee[] {
    const out: MissingGuarantee[] = [];
    for (const name of required) {
      if (!isGuarantee(name)) {
        out.push({ guarantee: name, why: `unknown guarantee; known: ${GUARANTEE_NAMES.join(', ')}` });
      } else if (!this.supports(name)) {
        out.push({ guarantee: name, why: this.entries[name].detail });
      }
    }
    return out;
  }

  /** @throws UnsupportedGuaranteeError naming each missing guarantee and why. */
  assert(required: readonly string[]): void {
    const missing = this.missing(required);
    if (missing.length > 0) throw new UnsupportedGuaranteeError(this.label, missing);
  }

  /** "kafka" or "sqs (fifo)". */
  get label(): string {
    return this.variant === 'default' ? this.broker : `${this.broker} (${this.variant})`;
  }

  toJSON(): { broker: string; variant: string; guarantees: Record<string, Capability> } {
    return { broker: this.broker, variant: this.variant, guarantees: { ...this.entries } };
  }

  /** A fixed-width text table: guarantee, level, detail. */
  toTable(): string {
    const rows = GUARANTEE_NAMES.map((g) => {
      const c = this.entries[g];
      const limit = c.limit !== undefined ? ` [limit ${c.limit}]` : '';
      return [g, c.level, c.detail + limit] as const;
    });
    const w0 = Math.max(...rows.map((r) => r[0].length), 9);
    const w1 = 11;
    const head = `${'guarantee'.padEnd(w0)}  ${'level'.padEnd(w1)}  detail`;
    const lines = rows.map(([g, l, d]) => `${g.padEnd(w0)}  ${l.padEnd(w1)}  ${d}`);
    return [`capabilities of ${this.label}`, head, '-'.repeat(head.length + 20), ...lines].join('\n');
  }

  toString(): string {
    return this.toTable();
  }
}

/** Short descriptions of each guarantee, for help texts. */
export function describeGuarantee(g: Guarantee): string {
  return GUARANTEES[g];
}
