/**
 * The ledger worker: consumes payments exactly once (the broker's native support, or the
 * idempotent consumer with a durable FileIdempotencyStore), charges each valid payment by
 * appending it to the ledger, and dead-letters a poison payment with the reason.
 *
 * The crash window: a charge is written to the ledger before the idempotency store records the
 * event and before the broker acknowledges it. A crash right there brings the event back after a
 * restart. So that it is not charged twice, the worker reconciles on start: every charge in the
 * ledger whose key the store does not hold yet is added to the store before consuming begins.
 */
import path from 'node:path';
import {
  connect,
  FileIdempotencyStore,
  idempotencyKey,
  type Broker,
  type ConsumerOptions,
  type Event,
  type Subscription,
} from '@eventport/core';
import { invalidReason, Ledger, readLedger, type Payment } from './ledger.js';

/** What the ledger worker needs from the broker, and why (see README). */
export const WORKER_REQUIRES = ['consume.exactly-once', 'dead-letter'];
export const WORKER_GROUP = 'ledger';
/** The probe's consumer options (worker-main.ts --probe). */
export const PROBE_CONSUMER = { group: 'probe', from: 'earliest' } as const satisfies ConsumerOptions;
/** The worker's consumer options (but its idempotency store); the example registers the group with them. */
export const WORKER_CONSUMER = {
  group: WORKER_GROUP,
  from: 'earliest',
  delivery: 'exactly-once',
  require: WORKER_REQUIRES,
  concurrency: 4,
  leaseMs: 5_000,
  retry: { attempts: 3, backoff: 'exponential', initialDelayMs: 50 },
} as const satisfies ConsumerOptions;
/** How long processed payments are remembered (the consumer's default too). */
const TTL_MS = 24 * 3600_000;

export interface WorkerOptions {
  readonly url: string;
  readonly topic: string;
  /** Folder holding ledger.jsonl and processed.idem. */
  readonly dir: string;
  /** Stop (crash) right after the n-th charge of this run was written, before it was recorded. */
  readonly crashAfter?: number;
  /** Called when the crash point is reached; the handler then waits until the worker is gone. */
  readonly onCrashWindow?: (paymentId: string) => void;
  /** Skip the ledger reconciliation on start (to watch the check catch the double charge). */
  readonly skipReconcile?: boolean;
}

export interface RunningWorker {
  /** Charges written by this run. */
  readonly charged: () => number;
  /** Graceful stop: drain, settle, close. Returns the subscription's counters. */
  stop(): Promise<Subscription['stats']>;
  /** Abandons the worker like a crash: unsettled events are given back unacknowledged. */
  abandon(): Promise<void>;
}

export const ledgerPath = (dir: string): string => path.join(dir, 'ledger.jsonl');
export const storePath = (dir: string): string => path.join(dir, 'processed.idem');

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const store = new FileIdempotencyStore(storePath(options.dir));
  if (options.skipReconcile !== true) {
    let recovered = 0;
    for (const charge of readLedger(ledgerPath(options.dir))) {
      if (!store.has(charge.key)) {
        store.add(charge.key, TTL_MS);
        recovered++;
      }
    }
    if (recovered > 0)
      console.log(`worker: ${recovered} charge(s) in the ledger were not recorded yet: recorded now`);
  }
  const ledger = new Ledger(ledgerPath(options.dir));
  const broker: Broker = await connect(options.url);
  let charged = 0;
  let crashed = false;
  const sub = await broker
    .consumer(options.topic, { ...WORKER_CONSUMER, idempotencyStore: store })
    .subscribe(async (event: Event, ctx) => {
      if (crashed) throw new Error('worker crashed');
      const payment = event.data as Payment;
      const reason = invalidReason(payment);
      if (reason !== undefined) {
        await ctx.deadLetter(reason); // no retry can fix it
        return;
      }
      await new Promise((r) => setTimeout(r, 2)); // the payment provider's round trip
      if (crashed) throw new Error('worker crashed');
      ledger.append({
        key: idempotencyKey(event),
        paymentId: payment.paymentId,
        account: payment.account,
        amountCents: payment.amountCents,
      });
      charged++;
      if (options.crashAfter !== undefined && charged === options.crashAfter) {
        crashed = true;
        options.onCrashWindow?.(payment.paymentId);
        // Charged, not recorded, not acknowledged: wait here until the process is killed (or,
        // in process, until the subscription is abandoned), at most a minute.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 60_000);
          ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        throw new Error('worker crashed');
      }
    });
  return {
    charged: () => charged,
    async stop() {
      await sub.close({ drainTimeoutMs: 10_000 });
      const stats = sub.stats;
      await broker.close();
      ledger.close();
      await store.close();
      return stats;
    },
    async abandon() {
      crashed = true;
      await sub.close({ drainTimeoutMs: 0 });
      await broker.close();
      ledger.close();
      await store.close();
    },
  };
}
