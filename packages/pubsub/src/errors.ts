import {
  BrokerUnavailableError,
  ConfigError,
  EventPortError,
  InvalidEventError,
  TopicNotFoundError,
} from '@eventport/core/driver';

/**
 * Maps @google-cloud/pubsub (gRPC / gax) errors onto EventPort's errors, always the subclass a
 * user would catch for the code. Rule of thumb: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
 * ABORTED, INTERNAL, UNKNOWN and network failures are retryable; NOT_FOUND, permission,
 * authentication and invalid requests are not.
 */

/** gRPC status codes. */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The gRPC status code of an error, if it has one. */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The client's message when an ordering key is paused after a failed publish. */
export function isOrderingKeyPaused(err: unknown): boolean {
  return err instanceof Error && /resumePublishing|Unable to publish for key/i.test(err.message);
}

/**
 * Maps an error to an EventPortError (returned as is when it already is one). `what` says what
 * was being done ("publish to orders"); `resource` names the topic or subscription for
 * TopicNotFoundError.
 */
export function mapPubSubError(err: unknown, what: string, resource?: string): EventPortError {
  if (err instanceof EventPortError) return err;
  const e = (err ?? {}) as { message?: string; details?: string };
  const text = (e.details || e.message || String(err)).split('\n')[0]!;
  const message = `${what}: ${text}`;
  const options = { cause: err };
  if (isOrderingKeyPaused(err)) {
    return new BrokerUnavailableError(
      `${what}: an earlier publish of the ordering key failed; resumed, retry`,
      options,
    );
  }
  switch (grpcCode(err)) {
    case Status.NOT_FOUND:
      return new TopicNotFoundError(resource ?? what, options);
    case Status.CANCELLED:
      return new EventPortError('ABORTED', message, options);
    case Status.DEADLINE_EXCEEDED:
      return new EventPortError('TIMEOUT', message, { retryable: true, ...options });
    case Status.RESOURCE_EXHAUSTED:
      return new EventPortError('THROTTLED', message, { retryable: true, ...options });
    case Status.UNAUTHENTICATED:
      return new EventPortError('AUTHENTICATION', message, options);
    case Status.PERMISSION_DENIED:
      return new EventPortError('AUTHORIZATION', message, options);
    case Status.INVALID_ARGUMENT:
      return /attribute|message|data|payload|size|ordering/i.test(text)
        ? new InvalidEventError('event', message, options)
        : new ConfigError('request', message, options);
    case Status.FAILED_PRECONDITION:
    case Status.ALREADY_EXISTS:
    case Status.OUT_OF_RANGE:
    case Status.UNIMPLEMENTED:
      return new EventPortError('SEND_FAILED', message, options);
    case Status.UNAVAILABLE:
    case Status.ABORTED:
    case Status.INTERNAL:
    case Status.UNKNOWN:
    case Status.DATA_LOSS:
      return new BrokerUnavailableError(message, options);
    default:
      if (/Could not load the default credentials|Unable to detect a Project Id/i.test(text)) {
        return new EventPortError('AUTHENTICATION', message, options);
      }
      // No gRPC status: the server was not reached (connection refused, reset); worth another try.
      return new BrokerUnavailableError(message, options);
  }
}

/**
 * Per ack id failures of an Acknowledge or ModifyAckDeadline request on an exactly-once delivery
 * subscription: the service fails the request (INVALID_ARGUMENT, reason EXACTLY_ONCE_ACKID_FAILURE)
 * and lists, in the error's ErrorInfo metadata, each ack id it refused with why —
 * `PERMANENT_FAILURE_INVALID_ACK_ID` (its deadline passed, it was nacked, or it was already acked)
 * or `TRANSIENT_FAILURE_…`. The ack ids not listed were settled. Undefined for any other error.
 */
export function ackIdFailures(err: unknown): ReadonlyMap<string, string> | undefined {
  const e = err as { reason?: unknown; errorInfoMetadata?: unknown } | null;
  if (e?.reason !== 'EXACTLY_ONCE_ACKID_FAILURE') return undefined;
  const metadata = e.errorInfoMetadata;
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const failures = new Map<string, string>();
  for (const [ackId, why] of Object.entries(metadata as Record<string, unknown>)) {
    failures.set(ackId, String(why));
  }
  return failures;
}

/** Whether a per ack id failure may go away on another try (`TRANSIENT_…`). */
export function isTransientAckFailure(why: string): boolean {
  return why.startsWith('TRANSIENT_');
}
