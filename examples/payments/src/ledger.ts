/**
 * The payments domain and the ledger: an append-only file of charges, one JSON line each, written
 * and fsynced before the handler returns. The ledger is the effect the exactly-once consumer must
 * produce once per payment; the example's check reads it back.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

export interface Payment {
  readonly paymentId: string;
  readonly account: string;
  readonly amountCents: number;
  readonly currency: string;
}

export interface Charge {
  /** The event's idempotency key (source + id): what the idempotency store remembers. */
  readonly key: string;
  readonly paymentId: string;
  readonly account: string;
  readonly amountCents: number;
}

const CURRENCIES = new Set(['EUR', 'USD', 'GBP']);

/** A deterministic list of payments; the one at `poisonIndex` has a currency nobody can settle. */
export function samplePayments(count: number, poisonIndex: number): Payment[] {
  return Array.from({ length: count }, (_, i) => ({
    paymentId: `pay-${String(i + 1).padStart(4, '0')}`,
    account: `acct-${i % 20}`,
    amountCents: 100 + ((i * 7_919) % 90_000),
    currency: i === poisonIndex ? 'XTS' : ['EUR', 'USD', 'GBP'][i % 3]!,
  }));
}

/** Why a payment can never be charged (a poison message), or undefined when it is valid. */
export function invalidReason(p: Payment): string | undefined {
  if (!CURRENCIES.has(p.currency)) return `unsupported currency ${p.currency} for ${p.paymentId}`;
  if (!(p.amountCents > 0)) return `non-positive amount for ${p.paymentId}`;
  return undefined;
}

/** The ledger file, opened for appending. */
export class Ledger {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends one charge and forces it to disk before returning. */
  append(charge: Charge): void {
    writeSync(this.fd, JSON.stringify(charge) + '\n');
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Every complete line of the ledger (a line torn by a crash mid-write never counted as a charge). */
export function readLedger(path: string): Charge[] {
  if (!existsSync(path)) return [];
  const out: Charge[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.length === 0) continue;
    try {
      out.push(JSON.parse(line) as Charge);
    } catch {
      // torn last line: the write did not complete, so the charge did not happen
    }
  }
  return out;
}
