/**
 * `@eventport/core/driver`: the SPI adapters implement, plus the helpers they
 * share (codecs, error base classes, capability reports).
 */
export type {
  Driver,
  CapabilityVariants,
  DriverContext,
  DriverFactory,
  DriverReceipt,
  DriverReceiver,
  DriverSender,
  OutgoingEvent,
  ReceivedMessage,
  ReceiverOptions,
  RequestLimits,
  SendOutcome,
  SenderOptions,
  StagedOutput,
  StartPosition,
  TopicOptions,
} from './types.js';
export type { Event, EventInput } from '../event/types.js';
export type { Logger } from '../logging/logger.js';
export { consoleLogger, silentLogger } from '../logging/logger.js';
export { CapabilityReport } from '../guarantees/capability-report.js';
export type { Capability, Guarantee, SupportLevel } from '../guarantees/vocabulary.js';
export { registerDriver } from '../registry/registry.js';
export {
  toBinary,
  fromBinary,
  toStructured,
  fromStructured,
  fromStructuredObject,
  isStructured,
  fromPlainMessage,
  STRUCTURED_CONTENT_TYPE,
  type WireMessage,
} from '../codec/cloudevents.js';
export { encodeData, decodeData, eventSize, isJson } from '../codec/data.js';
export {
  undecodable,
  UNDECODABLE_TYPE,
  RAW_ATTRIBUTES_EXTENSION,
  type Decoded,
  type RawMessage,
} from '../codec/undecodable.js';
export { createEvent } from '../event/create-event.js';
export * from '../errors/errors.js';
export { BinaryDecoder, binaryDecoder, type HeaderValue } from '../codec/binary-decoder.js';
export { eventFromWire, type WireAttributes } from '../event/wire-event.js';
export { redactSecrets, redactObject } from '../errors/redact.js';
export {
  withDeadLetterInfo,
  DEAD_LETTER_REASON,
  DEAD_LETTER_ATTEMPTS,
} from '../portable/dead-letter-event.js';
export { intOption, boolOption } from './option-parsers.js';
export { sleep } from '../portable/sleep.js';
export * from '../push/index.js';
