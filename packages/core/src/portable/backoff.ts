import { ConfigError } from '../errors/errors.js';

/** How failed attempts are retried. */
export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  readonly attempts: number;
  /** "exponential" doubles the delay each attempt (up to maxDelayMs); "fixed" keeps initialDelayMs. */
  readonly backoff: 'exponential' | 'fixed';
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Fraction (0..1) of each delay that is randomised: delay * (1 - jitter * random). */
  readonly jitter: number;
}

export type RetryOptions = Partial<RetryPolicy>;

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  attempts: 5,
  backoff: 'exponential',
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  jitter: 0.2,
});

/** Fills defaults and validates. @throws ConfigError naming the bad option. */
export function resolveRetry(
  options: RetryOptions | undefined,
  base: RetryPolicy = DEFAULT_RETRY,
): RetryPolicy {
  const p: RetryPolicy = { ...base, ...stripUndefined(options ?? {}) };
  if (!Number.isInteger(p.attempts) || p.attempts < 1) {
    throw new ConfigError('retry.attempts', `must be an integer >= 1, got ${String(p.attempts)}`);
  }
  if (p.backoff !== 'exponential' && p.backoff !== 'fixed') {
    throw new ConfigError('retry.backoff', `must be "exponential" or "fixed", got ${String(p.backoff)}`);
  }
  for (const k of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (typeof p[k] !== 'number' || !(p[k] >= 0))
      throw new ConfigError(`retry.${k}`, 'must be a number >= 0');
  }
  if (typeof p.jitter !== 'number' || p.jitter < 0 || p.jitter > 1) {
    throw new ConfigError('retry.jitter', 'must be between 0 and 1');
  }
  return Object.freeze(p);
}

/**
 * The delay before retry number `attempt` (1 = the delay after the first failure).
 * Exponential: initial * 2^(attempt-1), capped at maxDelayMs, then reduced by up to
 * `jitter` of itself at random. Pure given `random`.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exp = policy.backoff === 'exponential' ? Math.pow(2, Math.max(0, attempt - 1)) : 1;
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * exp);
  return Math.round(base * (1 - policy.jitter * random()));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
