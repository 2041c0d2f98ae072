/** Bounded polling. Nothing in this module waits without a deadline. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Checked before each attempt; a string return aborts the wait with that reason. */
  readonly abort?: () => string | undefined;
}

/**
 * Calls `attempt` until it returns true or the deadline passes. `attempt` returns true when done,
 * or a string (or throws) to say why not yet. Resolves with the elapsed milliseconds; rejects with
 * the last reason on timeout or abort.
 */
export async function waitUntil(
  what: string,
  attempt: () => Promise<true | string>,
  options: WaitOptions,
): Promise<number> {
  const started = Date.now();
  const interval = options.intervalMs ?? 250;
  let last = 'no attempt made';
  while (Date.now() - started < options.timeoutMs) {
    const aborted = options.abort?.();
    if (aborted) throw new Error(`${what}: ${aborted}`);
    try {
      const result = await attempt();
      if (result === true) return Date.now() - started;
      last = result;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(interval);
  }
  throw new Error(`${what}: not ready after ${options.timeoutMs} ms (last: ${last})`);
}

/** Rejects with `message` if `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
