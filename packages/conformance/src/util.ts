import type { Broker, ConsumerOptions, Handler, Subscription } from '@eventport/core';
import { CheckFailed, type CheckContext } from './check.js';

/** Resolves after `ms` (early, without throwing, when `signal` aborts). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Polls `predicate` every few ms until it holds, `timeoutMs` passes or `signal` aborts. Returns its last value. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= deadline || signal?.aborted) return predicate();
    await sleep(Math.min(5, Math.max(1, deadline - Date.now())), signal);
  }
  return true;
}

/** A promise with a bound: rejects with CheckFailed(`what` timed out) after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailed(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where a new consumer group starts in checks: the earliest event where the broker can replay, else "latest". */
export function startPosition(ctx: CheckContext): 'earliest' | 'latest' {
  return ctx.capabilities.supports('replay') ? 'earliest' : 'latest';
}

/** A fast, deterministic handler retry policy for checks. */
export function fastRetry(ctx: CheckContext, attempts = 5): ConsumerOptions['retry'] {
  const d = ctx.timing.retryDelayMs;
  return { attempts, backoff: 'fixed', initialDelayMs: d, maxDelayMs: d, jitter: 0 };
}

/**
 * Subscribes and registers the subscription for cleanup (closed with a short
 * drain, so a stuck handler cannot hold the suite).
 */
export async function subscribe(
  ctx: CheckContext,
  broker: Broker,
  topic: string,
  options: ConsumerOptions,
  handler: Handler,
): Promise<Subscription> {
  const sub = await within(
    broker.consumer(topic, options).subscribe(handler),
    ctx.timing.timeoutMs,
    `subscribing to "${topic}"`,
  );
  ctx.defer(() => sub.close({ drainTimeoutMs: 0 }));
  return sub;
}

/** Closes a subscription within the check's timeout. */
export function closeWithin(ctx: CheckContext, sub: Subscription, drainTimeoutMs: number): Promise<void> {
  return within(
    sub.close({ drainTimeoutMs }),
    drainTimeoutMs + ctx.timing.timeoutMs,
    'closing a subscription',
  );
}

/** Sequence number carried in the data of check events (`{ seq }`). */
export function seqOf(data: unknown): number {
  if (data !== null && typeof data === 'object' && typeof (data as { seq?: unknown }).seq === 'number') {
    return (data as { seq: number }).seq;
  }
  return -1;
}

/** A short tag for ids in evidence: `#12 (3f2a…)`. */
export function label(seq: number, id?: string): string {
  return id === undefined ? `#${seq}` : `#${seq} (id ${id})`;
}

/** The first few members of a list, for evidence. */
export function firstFew<T>(items: readonly T[], n = 5, show: (t: T) => string = String): string {
  const head = items.slice(0, n).map(show).join(', ');
  return items.length > n ? `${head}, … (${items.length} in all)` : head;
}

/** Missing sequence numbers in [0, n). */
export function missingSeqs(n: number, have: (seq: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!have(i)) out.push(i);
  return out;
}

/** A unique suffix for names. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Fails with evidence unless `condition` holds. */
export function expectThat(
  condition: boolean,
  summary: string,
  evidence: { firstBad?: string; counts?: Record<string, number>; details?: string[] } = {},
): asserts condition {
  if (!condition) throw new CheckFailed(summary, evidence);
}
