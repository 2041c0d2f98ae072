import {
  BrokerUnavailableError,
  EventPortError,
  errorFromCode,
  TopicNotFoundError,
  type ErrorCode,
} from '@eventport/core/driver';

/**
 * Maps kafkajs errors onto EventPort's portable codes with a `retryable` flag. The native error is
 * kept as `cause`; messages are redacted by EventPortError.
 *
 * Retryable: the broker or the partition leader / group coordinator is (temporarily) unavailable,
 * a request timed out, a rebalance is in progress, the client was throttled.
 * Not retryable: authentication, authorization, a record the broker will never accept (too large,
 * invalid), a fenced or invalid producer, bad configuration.
 */

/** Kafka protocol error types (kafkajs names) grouped by the portable code they map to. */
const UNAVAILABLE = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'BROKER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'NETWORK_EXCEPTION',
  'GROUP_LOAD_IN_PROGRESS',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_COORDINATOR',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NOT_CONTROLLER',
  'KAFKA_STORAGE_ERROR',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'PREFERRED_LEADER_NOT_AVAILABLE',
  'ELIGIBLE_LEADERS_NOT_AVAILABLE',
  'CONCURRENT_TRANSACTIONS',
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'UNSTABLE_OFFSET_COMMIT',
  'OFFSET_NOT_AVAILABLE',
  'STALE_BROKER_EPOCH',
]);
const AUTHENTICATION = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'DELEGATION_TOKEN_AUTH_DISABLED',
  'DELEGATION_TOKEN_EXPIRED',
  'DELEGATION_TOKEN_NOT_FOUND',
]);
const AUTHORIZATION = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
]);
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
const TIMEOUT = new Set(['REQUEST_TIMED_OUT']);
/** Fenced or invalid producers: another instance took over, or the producer state is lost. */
const FENCED = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'TRANSACTION_COORDINATOR_FENCED',
  'INVALID_PRODUCER_ID_MAPPING',
  'UNKNOWN_PRODUCER_ID',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'INVALID_TXN_STATE',
]);
/** Codes newer than kafkajs 2.2.4 knows (it reports them as KAFKAJS_UNKNOWN_ERROR_CODE with the number). */
const NEWER_CODES: Readonly<Record<number, string>> = {
  89: 'THROTTLING_QUOTA_EXCEEDED',
  90: 'PRODUCER_FENCED',
};

/** Names of kafkajs client-side errors that mean "could not reach / talk to the cluster". */
const UNAVAILABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSLockTimeout',
]);

interface KafkaJsLike {
  name?: string;
  message?: string;
  type?: string;
  code?: number | string;
  retriable?: boolean;
  cause?: unknown;
}

/** The innermost kafkajs error (retries-exceeded and non-retriable wrappers carry the real one as `cause`). */
export function rootCause(err: unknown): KafkaJsLike {
  let e = (err ?? {}) as KafkaJsLike;
  for (let i = 0; i < 10; i++) {
    const wrapper =
      e.name === 'KafkaJSNumberOfRetriesExceeded' ||
      e.name === 'KafkaJSNonRetriableError' ||
      e.name === 'KafkaJSError';
    if (!wrapper || e.cause === undefined || e.cause === null || typeof e.cause !== 'object') break;
    e = e.cause as KafkaJsLike;
  }
  return e;
}

/** The Kafka protocol error type of `err` (e.g. "LEADER_NOT_AVAILABLE"), if it is one. */
export function protocolType(err: unknown): string | undefined {
  const e = rootCause(err);
  if (e.type === 'KAFKAJS_UNKNOWN_ERROR_CODE' && typeof e.code === 'number')
    return NEWER_CODES[e.code] ?? e.type;
  return typeof e.type === 'string' ? e.type : undefined;
}

/** Whether `err` means the producer was fenced by a newer instance with the same transactional id. */
export function isFenced(err: unknown): boolean {
  const t = protocolType(err);
  return t !== undefined && FENCED.has(t);
}

/** Whether `err` says this member's group generation is over (a rebalance happened). */
export function isStaleGeneration(err: unknown): boolean {
  const t = protocolType(err);
  return t === 'REBALANCE_IN_PROGRESS' || t === 'ILLEGAL_GENERATION' || t === 'UNKNOWN_MEMBER_ID';
}

/**
 * Maps a kafkajs (or other) error to an EventPortError. `what` says what was being done
 * ("sending to \"orders\""); `topic` turns UNKNOWN_TOPIC_OR_PARTITION into TopicNotFoundError.
 * EventPort errors pass through unchanged.
 */
export function mapKafkaError(err: unknown, what: string, topic?: string): EventPortError {
  if (err instanceof EventPortError) return err;
  const root = rootCause(err);
  const type = protocolType(err);
  const detail = root.message ?? (err instanceof Error ? err.message : String(err));
  const msg = `kafka: ${what} failed: ${type !== undefined && !detail.includes(type) ? `${type}: ` : ''}${detail}`;
  const make = (code: ErrorCode, retryable: boolean): EventPortError =>
    errorFromCode(code, msg, { retryable, cause: err, topic });

  if (type !== undefined) {
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'INVALID_TOPIC_EXCEPTION') {
      if (topic !== undefined && type === 'UNKNOWN_TOPIC_OR_PARTITION')
        return new TopicNotFoundError(topic, { cause: err });
      return make('TOPIC_NOT_FOUND', false);
    }
    if (UNAVAILABLE.has(type)) return new BrokerUnavailableError(msg, { cause: err });
    if (AUTHENTICATION.has(type)) return make('AUTHENTICATION', false);
    if (AUTHORIZATION.has(type)) return make('AUTHORIZATION', false);
    if (TOO_LARGE.has(type)) return make('EVENT_TOO_LARGE', false);
    if (TIMEOUT.has(type)) return make('TIMEOUT', true);
    if (type === 'THROTTLING_QUOTA_EXCEEDED') return make('THROTTLED', true);
    if (FENCED.has(type)) return make('SEND_FAILED', false);
    if (
      type === 'INVALID_CONFIG' ||
      type === 'INVALID_PARTITIONS' ||
      type === 'INVALID_REPLICATION_FACTOR' ||
      type === 'POLICY_VIOLATION'
    ) {
      return make('INVALID_CONFIG', false);
    }
    if (type === 'INVALID_RECORD' || type === 'CORRUPT_MESSAGE' || type === 'INVALID_TIMESTAMP')
      return make('SEND_FAILED', false);
    if (type === 'UNSUPPORTED_VERSION') return make('INTERNAL', false);
    return make('INTERNAL', root.retriable === true);
  }
  const name = root.name ?? '';
  if (name === 'KafkaJSSASLAuthenticationError') return make('AUTHENTICATION', false);
  if (name === 'KafkaJSRequestTimeoutError') return make('TIMEOUT', true);
  if (UNAVAILABLE_NAMES.has(name)) return new BrokerUnavailableError(msg, { cause: err });
  const code = (root as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ENOTFOUND|EAI_AGAIN)$/.test(code)
  ) {
    return new BrokerUnavailableError(msg, { cause: err });
  }
  if (name.startsWith('KafkaJS')) return make('INTERNAL', root.retriable === true);
  return make('INTERNAL', false);
}
