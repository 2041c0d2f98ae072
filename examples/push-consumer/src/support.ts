/**
 * What every example shares (each example is its own workspace, so this small file is copied,
 * not imported): the command line, bounded waits, unique names and the pass/fail verdict.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Broker } from '@eventport/core';

/** Exit code of an example that cannot run on this broker (a required guarantee is unsupported). */
export const EXIT_UNSUPPORTED = 3;

/** The broker URL (first positional argument, else EVENTPORT_URL, else memory://) and the options. */
export function commandLine<O extends NonNullable<ParseArgsConfig['options']>>(
  options: O,
): { url: string; values: Record<keyof O, string | boolean | undefined> } {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), options, allowPositionals: true });
  const url = positionals[0] ?? process.env.EVENTPORT_URL ?? 'memory://';
  return { url, values: values as unknown as Record<keyof O, string | boolean | undefined> };
}

/** A numeric option, with its default and bounds. */
export function numberOption(value: unknown, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
  return n;
}

/** A short id that makes this run's topic and group names its own. */
export const RUN_ID = randomUUID().slice(0, 8);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 20 ms; false once `timeoutMs` passed without it holding. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Creates a topic where the broker administers topics; elsewhere topics are created on first use. */
export async function ensureTopic(broker: Broker, topic: string, partitions?: number): Promise<void> {
  await broker
    .createTopic(topic, partitions === undefined ? undefined : { partitions })
    .catch(() => undefined);
}

/**
 * Checks `required` against the broker's capability report before anything runs. When one is
 * unsupported, prints each missing guarantee with the broker's own reason and returns false.
 */
export function canRun(broker: Broker, required: readonly string[]): boolean {
  const missing = broker.capabilities.missing(required);
  if (missing.length === 0) return true;
  console.log(`cannot run on ${broker.capabilities.label}:`);
  for (const m of missing) console.log(`  unsupported: ${m.guarantee} — ${m.why}`);
  return false;
}

/** One line per check; the exit code says whether every check held. */
export class Verdict {
  private readonly failures: string[] = [];

  check(ok: boolean, what: string): void {
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) this.failures.push(what);
  }

  get passed(): boolean {
    return this.failures.length === 0;
  }

  /** Prints the verdict and sets the exit code (0 = the example met its promise, 1 = it did not). */
  finish(name: string, startedAt: number): void {
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    if (this.passed) console.log(`PASS ${name} (${seconds} s)`);
    else console.log(`FAIL ${name} (${seconds} s): ${this.failures.join('; ')}`);
    process.exitCode = this.passed ? 0 : 1;
  }
}

/** Runs an example's main; an unexpected error is a failure (exit code 1) with its message. */
export function run(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(`FAIL ${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
