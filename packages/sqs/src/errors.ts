import {
  BrokerUnavailableError,
  ConfigError,
  EventPortError,
  errorFromCode,
  TopicNotFoundError,
  type ErrorCode,
} from '@eventport/core/driver';

/**
 * Maps AWS SDK (SQS, SNS) errors and per-entry batch failures onto EventPort's
 * portable codes with the retryable flag. The rule of thumb: throttling,
 * server faults, timeouts and network failures are retryable; access denied,
 * bad credentials, missing queues and invalid requests are not.
 */

/** Error names (and batch entry codes) by portable code. */
const THROTTLED = new Set([
  'RequestThrottled',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'KmsThrottled',
  'KMSThrottlingException',
  'OverLimit',
  'SlowDown',
  'RequestLimitExceeded',
]);
const UNAVAILABLE = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalErrorException',
  'InternalServiceError',
  'RequestTimeout',
  'RequestTimeoutException',
  'QueueDeletedRecently',
  'KmsInvalidState',
  'KMSInvalidStateException',
  'KMSDisabledException',
]);
const AUTHENTICATION = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'InvalidSecurity',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
  'InvalidAccessKeyId',
]);
const AUTHORIZATION = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'AuthorizationErrorException',
  'KmsAccessDenied',
  'KMSAccessDeniedException',
  'KmsDisabled',
  'KmsNotFound',
  'KMSNotFoundException',
  'InvalidSecurityException',
  'OptInRequired',
]);
const NOT_FOUND = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NonExistentQueue',
  'NotFound',
  'NotFoundException',
  'ResourceNotFoundException',
]);
const TOO_LARGE = new Set([
  'MessageTooLong',
  'BatchRequestTooLong',
  'RequestSizeExceeded',
  'RequestEntityTooLarge',
]);
const INVALID_EVENT = new Set([
  'InvalidMessageContents',
  'InvalidParameterValue',
  'InvalidAttributeValue',
  'InvalidAttributeName',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
]);

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** The AWS error name of an SDK error (`name`, else `Code`), for tests and logs. */
export function awsErrorName(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as AwsLikeError;
  return e.name !== undefined && e.name !== 'Error' ? e.name : (e.Code ?? e.code);
}

/**
 * Maps an SDK error to an EventPortError (returned as is when it already is one).
 * `what` says what was being done ("send to queue orders"); `topic` names the
 * topic for TopicNotFoundError.
 */
export function mapAwsError(err: unknown, what: string, topic?: string): EventPortError {
  if (err instanceof EventPortError) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = awsErrorName(err) ?? 'Error';
  const code = e.code;
  const status = e.$metadata?.httpStatusCode;
  const message = `${what}: ${name}${e.message && e.message !== name ? `: ${e.message}` : ''}`;
  const options = { cause: err };
  if (name === 'AbortError') return portable('ABORTED', message, false, options);
  if (NOT_FOUND.has(name) || (e.Code !== undefined && NOT_FOUND.has(e.Code))) {
    return topic !== undefined
      ? new TopicNotFoundError(topic, options)
      : portable('TOPIC_NOT_FOUND', message, false, options);
  }
  if (THROTTLED.has(name) || e.$retryable?.throttling === true || status === 429) {
    return portable('THROTTLED', message, true, options);
  }
  if (AUTHENTICATION.has(name)) return portable('AUTHENTICATION', message, false, options);
  if (AUTHORIZATION.has(name) || status === 403) return portable('AUTHORIZATION', message, false, options);
  if (TOO_LARGE.has(name) || status === 413) return portable('EVENT_TOO_LARGE', message, false, options);
  if (name === 'TimeoutError' || name === 'RequestTimeoutError' || code === 'ETIMEDOUT') {
    return portable('TIMEOUT', message, true, options);
  }
  if (UNAVAILABLE.has(name) || (code !== undefined && NETWORK_CODES.has(code)) || isNetworkError(err)) {
    return new BrokerUnavailableError(message, options);
  }
  if (/region is missing/i.test(e.message ?? '')) {
    return new ConfigError('region', 'no AWS region: pass ?region=… or set AWS_REGION', options);
  }
  if (INVALID_EVENT.has(name) && /message|body|attribute/i.test(e.message ?? '')) {
    return portable('INVALID_EVENT', message, false, options);
  }
  if (e.$fault === 'server' || (status !== undefined && status >= 500))
    return new BrokerUnavailableError(message, options);
  if (e.$fault === 'client' || (status !== undefined && status >= 400))
    return portable('SEND_FAILED', message, false, options);
  // No HTTP answer and no known code: the server was not reached; worth another try.
  return new BrokerUnavailableError(message, options);
}

/** A failed entry of SendMessageBatch / PublishBatch / DeleteMessageBatch / ChangeMessageVisibilityBatch. */
export interface BatchEntryFailure {
  readonly Code?: string;
  readonly Message?: string;
  readonly SenderFault?: boolean;
}

/** Maps a failed batch entry: known codes by name, else SenderFault decides (sender = permanent). */
export function mapEntryError(entry: BatchEntryFailure, what: string): EventPortError {
  const name = entry.Code ?? 'UnknownError';
  const message = `${what}: ${name}${entry.Message ? `: ${entry.Message}` : ''}`;
  if (THROTTLED.has(name)) return portable('THROTTLED', message, true);
  if (UNAVAILABLE.has(name)) return new BrokerUnavailableError(message);
  if (AUTHORIZATION.has(name)) return portable('AUTHORIZATION', message, false);
  if (TOO_LARGE.has(name)) return portable('EVENT_TOO_LARGE', message, false);
  if (INVALID_EVENT.has(name)) return portable('INVALID_EVENT', message, false);
  if (entry.SenderFault === false) return new BrokerUnavailableError(message);
  return portable('SEND_FAILED', message, false);
}

/** Settlement failures that mean "already settled or no longer ours": nothing to do. */
export function isGoneEntry(code: string | undefined): boolean {
  return (
    code === 'ReceiptHandleIsInvalid' ||
    code === 'InvalidReceiptHandle' ||
    code === 'MessageNotInflight' ||
    code === 'AWS.SimpleQueueService.MessageNotInflight'
  );
}

function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const cause = (err as { cause?: { code?: string } }).cause;
  if (cause?.code !== undefined && NETWORK_CODES.has(cause.code)) return true;
  return /socket hang up|ECONNREFUSED|ECONNRESET|EPIPE|network|connect/i.test(err.message);
}

function portable(
  code: ErrorCode,
  message: string,
  retryable: boolean,
  options: { cause?: unknown } = {},
): EventPortError {
  return errorFromCode(code, message, { retryable, ...options });
}
