/**
 * Endpoints of the brokers, as exported by the integration project's global setup (or set by the
 * user for external brokers). Reading a missing one fails the test with a message saying why.
 */
import { randomUUID } from 'node:crypto';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run this suite through jest's integration project (its global setup starts ` +
        `the brokers the suite's @brokers docblock declares), or set ${name} to an external endpoint`,
    );
  }
  return value;
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Rejects after `ms` with `what` so that a test waiting for a delivery never hangs. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
