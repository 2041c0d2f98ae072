import {
  EventPortError,
  EventTooLargeError,
  errorFromCode,
  isEventPortError,
  type ErrorCode,
} from '@eventport/core/driver';

/**
 * Maps @azure/event-hubs (core-amqp MessagingError) and storage errors onto EventPort's portable
 * codes. The native error is kept as `cause`; messages are redacted by EventPortError.
 */
const CODES: Readonly<Record<string, ErrorCode>> = {
  MessagingEntityNotFoundError: 'TOPIC_NOT_FOUND',
  UnauthorizedError: 'AUTHENTICATION',
  UnauthorizedAccessError: 'AUTHORIZATION',
  MessageTooLargeError: 'EVENT_TOO_LARGE',
  ServerBusyError: 'THROTTLED',
  QuotaExceededError: 'THROTTLED',
  ServiceUnavailableError: 'BROKER_UNAVAILABLE',
  ServiceCommunicationError: 'BROKER_UNAVAILABLE',
  ConnectionForcedError: 'BROKER_UNAVAILABLE',
  ConnectionRedirectError: 'BROKER_UNAVAILABLE',
  ConnectionFramingError: 'BROKER_UNAVAILABLE',
  DetachForcedError: 'BROKER_UNAVAILABLE',
  InternalServerError: 'BROKER_UNAVAILABLE',
  OperationTimeoutError: 'TIMEOUT',
  ArgumentError: 'INVALID_CONFIG',
  ArgumentOutOfRangeError: 'INVALID_CONFIG',
  ENOTFOUND: 'BROKER_UNAVAILABLE',
  ECONNREFUSED: 'BROKER_UNAVAILABLE',
  ECONNRESET: 'BROKER_UNAVAILABLE',
  ETIMEDOUT: 'TIMEOUT',
  EPIPE: 'BROKER_UNAVAILABLE',
};

const ALWAYS_RETRYABLE: ReadonlySet<ErrorCode> = new Set(['BROKER_UNAVAILABLE', 'TIMEOUT', 'THROTTLED']);

/** The portable error for a native failure while `what` was being done. */
export function mapEventHubsError(err: unknown, what: string, hub?: string): EventPortError {
  if (isEventPortError(err)) return err;
  const e = (err ?? {}) as { code?: unknown; name?: unknown; message?: unknown; retryable?: unknown };
  const name = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code =
    CODES[name] ??
    (/ENOTFOUND|ECONNREFUSED|ECONNRESET|socket|connect/i.test(message)
      ? 'BROKER_UNAVAILABLE'
      : 'SEND_FAILED');
  const text = `eventhubs: ${what} failed: ${name !== '' ? `${name}: ` : ''}${message}`;
  if (code === 'EVENT_TOO_LARGE') {
    return new EventTooLargeError(NaN, NaN, '', { cause: err, message: text });
  }
  const retryable = ALWAYS_RETRYABLE.has(code) || (code === 'SEND_FAILED' && e.retryable === true);
  return errorFromCode(code, text, { cause: err, retryable, topic: hub });
}
