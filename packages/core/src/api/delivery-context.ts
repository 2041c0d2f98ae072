import type { DriverReceiver } from '../driver/types.js';
import type { RetryPolicy } from '../portable/backoff.js';
import type { ConsumerStats } from './consumer-engine.js';
import type { InFlight } from './delivery.js';
import type { Settler } from './settler.js';

/** What every context of one subscription shares (one object per subscription, not per event). */
export interface ContextShared {
  readonly settler: Settler;
  readonly receiver: DriverReceiver;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal;
  readonly stats: ConsumerStats;
  /** The broker's largest event (ctx.send checks outputs against it). */
  readonly maxEventSize: number;
  /** Publishes the outputs of `rec` (ctx.send), records it (`beforeAck`), acks; rejects if publishing fails. */
  readonly publishAndAck: (rec: InFlight, beforeAck: (() => unknown) | undefined) => Promise<void>;
}
