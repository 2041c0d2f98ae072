import { redactSecrets } from './redact.js';

/**
 * Portable error codes. Every error EventPort throws carries one; adapters map
 * native errors onto them (see each adapter's error-mapping file).
 */
export type ErrorCode =
  | 'INVALID_EVENT'
  | 'EVENT_TOO_LARGE'
  | 'INVALID_CONFIG'
  | 'UNKNOWN_SCHEME'
  | 'UNSUPPORTED_GUARANTEE'
  | 'UNSUPPORTED_OPERATION'
  | 'TOPIC_NOT_FOUND'
  | 'CLOSED'
  | 'BROKER_UNAVAILABLE'
  | 'TIMEOUT'
  | 'AUTHENTICATION'
  | 'AUTHORIZATION'
  | 'THROTTLED'
  | 'SEND_FAILED'
  | 'HANDLER_FAILED'
  | 'ABORTED'
  | 'INTERNAL';

export interface EventPortErrorOptions {
  /** Whether repeating the same operation later may succeed. */
  retryable?: boolean;
  /** The native error, kept for diagnosis (its message is redacted when printed). */
  cause?: unknown;
}

/**
 * Base class of every EventPort error: a portable `code`, a `retryable` flag and
 * the native error as `cause`. Messages are redacted of secrets at construction,
 * so neither `message`, `stack` nor `toString()` can carry a credential.
 */
export class EventPortError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: EventPortErrorOptions = {}) {
    super(
      redactSecrets(message),
      options.cause === undefined ? undefined : { cause: scrubCause(options.cause) },
    );
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  override toString(): string {
    const cause = this.cause instanceof Error ? ` (cause: ${redactSecrets(this.cause.message)})` : '';
    return `${this.name} [${this.code}${this.retryable ? ', retryable' : ''}]: ${this.message}${cause}`;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, retryable: this.retryable, message: this.message };
  }
}

/** An event failed validation. `field` names the offending attribute. */
export class InvalidEventError extends EventPortError {
  constructor(
    readonly field: string,
    reason: string,
    options: EventPortErrorOptions = {},
  ) {
    super('INVALID_EVENT', `invalid event: ${field}: ${reason}`, options);
  }
}

/**
 * An event is larger than the broker accepts. EventPort raises it before anything is sent; when
 * the broker itself refuses an event as too large, the adapter raises it too (then `size` and
 * `maxSize` are NaN and `eventId` empty unless the broker said, and the message is the broker's).
 */
export class EventTooLargeError extends EventPortError {
  constructor(
    readonly size: number,
    readonly maxSize: number,
    readonly eventId: string,
    options: EventPortErrorOptions & { readonly message?: string } = {},
  ) {
    super(
      'EVENT_TOO_LARGE',
      options.message ?? `event ${eventId} is ${size} bytes; the broker accepts at most ${maxSize} bytes`,
      options,
    );
  }
}

/** Options or a URL are invalid. `option` names the offending setting. */
export class ConfigError extends EventPortError {
  constructor(
    readonly option: string,
    reason: string,
    options: EventPortErrorOptions = {},
  ) {
    super('INVALID_CONFIG', `invalid configuration: ${option}: ${reason}`, options);
  }
}

/** A URL scheme with no installed adapter. */
export class UnknownSchemeError extends EventPortError {
  constructor(
    readonly scheme: string,
    readonly installed: readonly string[],
    readonly suggestedPackage: string,
  ) {
    super(
      'UNKNOWN_SCHEME',
      `no adapter for "${scheme}://" is installed (installed: ${installed.length ? installed.map((s) => `${s}://`).join(', ') : 'none'}); install ${suggestedPackage} and import it`,
    );
  }
}

export interface MissingGuarantee {
  readonly guarantee: string;
  readonly why: string;
}

/** `require: [...]` named guarantees the broker cannot give in this configuration. */
export class UnsupportedGuaranteeError extends EventPortError {
  constructor(
    readonly broker: string,
    readonly missing: readonly MissingGuarantee[],
  ) {
    super(
      'UNSUPPORTED_GUARANTEE',
      `${broker} cannot guarantee ${missing.map((m) => `${m.guarantee} (${m.why})`).join('; ')}`,
    );
  }
}

/** The adapter does not offer this operation (e.g. topic administration). */
export class UnsupportedOperationError extends EventPortError {
  constructor(message: string) {
    super('UNSUPPORTED_OPERATION', message);
  }
}

/** The topic (or queue, subscription) does not exist and will not be created. */
export class TopicNotFoundError extends EventPortError {
  constructor(
    readonly topic: string,
    options: EventPortErrorOptions & { readonly message?: string } = {},
  ) {
    super('TOPIC_NOT_FOUND', options.message ?? `topic "${topic}" does not exist`, options);
  }
}

/** An operation on a closed producer, consumer or broker. */
export class ClosedError extends EventPortError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/** The broker could not be reached, or failed transiently after all retries. Retryable. */
export class BrokerUnavailableError extends EventPortError {
  constructor(message: string, options: EventPortErrorOptions = {}) {
    super('BROKER_UNAVAILABLE', message, { retryable: true, ...options });
  }
}

/** Narrowing helper. */
export function isEventPortError(err: unknown): err is EventPortError {
  return err instanceof EventPortError;
}

/** Whether an error is worth retrying: EventPort errors say so; unknown errors are not. */
export function isRetryable(err: unknown): boolean {
  return err instanceof EventPortError ? err.retryable : false;
}

/**
 * Redacts secrets from the string properties of a native error kept as `cause` (its message,
 * stack, and fields such as a URL error's `input`), two levels deep, in place: printing an
 * EventPort error with `console.log` or `util.inspect` must not show a credential from its cause.
 * Properties that cannot be written are left as they are.
 */
function scrubCause(cause: unknown, depth = 0): unknown {
  if (cause === null || typeof cause !== 'object' || depth > 2) return cause;
  for (const key of Object.getOwnPropertyNames(cause)) {
    let value: unknown;
    try {
      value = (cause as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof value === 'string') {
      const clean = redactSecrets(value);
      if (clean !== value) {
        try {
          Object.defineProperty(cause, key, { value: clean });
        } catch {
          // frozen or non-configurable: nothing we can do without losing the cause
        }
      }
    } else if (key === 'cause') scrubCause(value, depth + 1);
  }
  return cause;
}

/**
 * The error a user catches for `code`, whoever detected the problem: codes with a class of their
 * own get that class (`EVENT_TOO_LARGE` → EventTooLargeError, `INVALID_EVENT` → InvalidEventError,
 * `INVALID_CONFIG` → ConfigError, `TOPIC_NOT_FOUND` → TopicNotFoundError, `BROKER_UNAVAILABLE` →
 * BrokerUnavailableError, `CLOSED` → ClosedError, `UNSUPPORTED_OPERATION` →
 * UnsupportedOperationError), others the base class. Adapters' error mappers build every error
 * through this (or the classes themselves), never `new EventPortError(code)` for such a code.
 * `topic` names the topic for TOPIC_NOT_FOUND when known.
 */
export function errorFromCode(
  code: ErrorCode,
  message: string,
  options: EventPortErrorOptions & { readonly topic?: string } = {},
): EventPortError {
  const { topic, ...rest } = options;
  switch (code) {
    case 'EVENT_TOO_LARGE':
      return new EventTooLargeError(NaN, NaN, '', { ...rest, message });
    case 'INVALID_EVENT':
      return new InvalidEventError('event', message, rest);
    case 'INVALID_CONFIG':
      return new ConfigError('broker', message, rest);
    case 'TOPIC_NOT_FOUND':
      return new TopicNotFoundError(topic ?? '(unknown)', { ...rest, message });
    case 'BROKER_UNAVAILABLE':
      return new BrokerUnavailableError(message, rest);
    case 'CLOSED':
      return new ClosedError(message);
    case 'UNSUPPORTED_OPERATION':
      return new UnsupportedOperationError(message);
    default:
      return new EventPortError(code, message, rest);
  }
}

/**
 * A copy of `err` with another `retryable` flag: same class, code, message, fields and cause.
 * Use it instead of re-wrapping, which would lose the subclass.
 */
export function withRetryable<E extends EventPortError>(err: E, retryable: boolean): E {
  if (err.retryable === retryable) return err;
  const copy = Object.create(Object.getPrototypeOf(err) as object) as E;
  for (const key of Object.getOwnPropertyNames(err)) {
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(err, key)!);
  }
  Object.defineProperty(copy, 'retryable', { value: retryable, enumerable: true });
  return copy;
}
