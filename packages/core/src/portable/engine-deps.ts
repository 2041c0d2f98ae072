import type { ResolvedConsumerOptions } from '../api/options.js';
import type { Producer } from '../api/producer.js';
import type { DriverReceiver } from '../driver/types.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { Logger } from '../logging/logger.js';
import type { Tracing } from '../tracing/otel.js';
import type { Settler } from './settler.js';

/** What a subscription's consumer engine and its event processor work with. */
export interface EngineDeps {
  readonly topic: string;
  readonly system: string;
  readonly receiver: DriverReceiver;
  readonly settler: Settler;
  readonly options: ResolvedConsumerOptions;
  /** Set when exactly-once is emulated with the idempotent consumer. */
  readonly idempotency: IdempotencyStore | undefined;
  readonly tracing: Tracing;
  readonly logger: Logger;
  /** Opens the producer that publishes a handler's send events (receivers without `stage`). */
  readonly openProducer?: (topic: string) => Producer;
  /** The broker's largest event in bytes (send checks against it; default: no limit). */
  readonly maxEventSize?: number;
}
