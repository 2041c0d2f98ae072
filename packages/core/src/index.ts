/**
 * `@eventport/core`: the portable event API. Connect with a URL, produce and
 * consume CloudEvents with the delivery guarantees you ask for; adapters register
 * their URL scheme. The driver SPI lives at `@eventport/core/driver`.
 */
export { connect, type ConnectExtras } from './api/connect.js';
export { Broker, type BrokerOptions } from './api/broker.js';
export { Producer, type Receipt, type SendOptions } from './api/producer.js';
export { Consumer } from './api/consumer.js';
export type { Handler, ConsumerStats } from './api/handler.js';
export { Subscription, type CloseOptions } from './api/subscription.js';
export type { DeliveryContext, Delivery } from './api/delivery.js';
export type { ProducerOptions, ConsumerOptions, DeliveryMode } from './api/options.js';
export type { StartPosition } from './driver/types.js';
export { createEvent } from './event/create-event.js';
export type { Event, EventInput, ExtensionValue } from './event/types.js';
export {
  GUARANTEES,
  GUARANTEE_NAMES,
  isGuarantee,
  type Guarantee,
  type Capability,
  type SupportLevel,
} from './guarantees/vocabulary.js';
export { CapabilityReport } from './guarantees/capability-report.js';
export * from './errors/errors.js';
export { redactSecrets } from './errors/redact.js';
export { registerDriver, registeredSchemes, type ConnectOptions } from './registry/registry.js';
export {
  installedAdapters,
  adapterPackageFor,
  rescanAdapters,
  type AdapterManifest,
} from './registry/discovery.js';
export { type IdempotencyStore, MemoryIdempotencyStore, idempotencyKey } from './idempotency/store.js';
export { FileIdempotencyStore } from './idempotency/file-store.js';
export { type RetryPolicy, type RetryOptions, backoffDelay, DEFAULT_RETRY } from './portable/backoff.js';
export { DEAD_LETTER_REASON, DEAD_LETTER_ATTEMPTS } from './portable/dead-letter-event.js';
export { TRACEPARENT, isValidTraceparent, newTraceparent, childTraceparent } from './tracing/traceparent.js';
export { consoleLogger, silentLogger, type Logger, type LogLevel } from './logging/logger.js';
export { toBinary, fromBinary, toStructured, fromStructured, fromPlainMessage } from './codec/cloudevents.js';
export {
  requester,
  reply,
  RequestTimeoutError,
  REPLY_TO,
  CORRELATION_ID,
  type Requester,
  type RequesterOptions,
} from './patterns/request-reply.js';
