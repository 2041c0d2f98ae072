import {
  BrokerUnavailableError,
  EventTooLargeError,
  errorFromCode,
  redactSecrets,
  type ErrorCode,
  type EventPortError,
} from '@eventport/core/driver';

/** What went wrong in one request, as the thin client saw it. */
export interface HttpFailure {
  /** HTTP status; undefined when no answer came (connection refused, reset, timeout). */
  readonly status: number | undefined;
  /** The service's error code (`error.code` of the body), or the network error's code. */
  readonly code: string | undefined;
  readonly message: string;
}

/** The operation a failure belongs to, for the message and the 400 mapping. */
export type Operation = 'publish' | 'receive' | 'settle';

const NETWORK_TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'REQUEST_SEND_ERROR_TIMEOUT']);

/**
 * Maps an Event Grid answer (or a network failure) onto EventPort's portable codes. Rule of
 * thumb: 408, 429, 5xx and network failures are retryable; 400, 401, 403, 404 and 413 are not.
 * The message carries no request headers (so no key): only status, code and the service's text.
 */
export function mapHttpFailure(
  failure: HttpFailure,
  op: Operation,
  what: string,
  topic?: string,
): EventPortError {
  const { status, code } = failure;
  const detail = redactSecrets(failure.message).slice(0, 500);
  const message =
    `Event Grid ${op} ${what} failed: ${status === undefined ? '' : `HTTP ${status} `}${code ?? ''}${detail === '' ? '' : ` (${detail})`}`.replace(
      /\s+\(/,
      ' (',
    );
  const cause = Object.assign(new Error(detail), { status, code });
  const as = (c: ErrorCode, retryable: boolean) => errorFromCode(c, message, { retryable, cause, topic });
  if (status === undefined) {
    if (code !== undefined && NETWORK_TIMEOUT.has(code)) return as('TIMEOUT', true);
    return new BrokerUnavailableError(message, { cause });
  }
  if (status === 401) return as('AUTHENTICATION', false);
  if (status === 403) return as('AUTHORIZATION', false);
  if (status === 404) return as('TOPIC_NOT_FOUND', false);
  if (status === 413) return new EventTooLargeError(NaN, 1024 * 1024, '', { message, cause });
  if (status === 408) return as('TIMEOUT', true);
  if (status === 429) return as('THROTTLED', true);
  if (status >= 500) return as('BROKER_UNAVAILABLE', true);
  if (status === 400) return as(op === 'publish' ? 'INVALID_EVENT' : 'INVALID_CONFIG', false);
  return as('INTERNAL', false);
}

/** Turns whatever the pipeline threw (RestError, AbortError, …) into an HttpFailure, dropping the request. */
export function failureOf(err: unknown): HttpFailure {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; details?: unknown } | null;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  let code = typeof e?.code === 'string' ? e.code : undefined;
  const details = e?.details as { error?: { code?: unknown } } | undefined;
  if (typeof details?.error?.code === 'string') code = details.error.code;
  return { status, code, message: typeof e?.message === 'string' ? e.message : String(err) };
}
