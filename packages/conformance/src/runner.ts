import {
  ConfigError,
  GUARANTEE_NAMES,
  UnsupportedGuaranteeError,
  isGuarantee,
  type Broker,
  type CapabilityReport,
  type ConnectExtras,
  type Guarantee,
  type Logger,
} from '@eventport/core';
import { CheckFailed, NotVerified, type Check, type CheckContext } from './check.js';
import { CHECKS } from './checks/index.js';
import { resolveTiming, type Harness, type Timing } from './harness.js';
import { leaseTimingFor } from './lease-timing.js';
import { buildRows, summarize, type BrokerReport, type CheckResult } from './report/model.js';
import { uniqueSuffix } from './util.js';

/** Progress of a run, for progress bars and logs. */
export type ProgressEvent =
  | { readonly type: 'start'; readonly label: string; readonly total: number }
  | { readonly type: 'check-start'; readonly index: number; readonly total: number; readonly check: Check }
  | {
      readonly type: 'check-end';
      readonly index: number;
      readonly total: number;
      readonly result: CheckResult;
    };

export interface RunOptions {
  /** Run only these checks: check ids or guarantee names (a guarantee selects the checks that verify it). */
  readonly only?: readonly string[];
  /** The checks to choose from (default: the whole suite). */
  readonly checks?: readonly Check[];
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** A connected harness: the broker's declarations and the timing in force. */
export interface Session {
  readonly harness: Harness;
  readonly capabilities: CapabilityReport;
  readonly timing: Timing;
  readonly label: string;
  readonly target: string;
}

/** Connects once to read the declarations (then closes that connection). */
export async function openSession(harness: Harness): Promise<Session> {
  const broker = await harness.connect();
  try {
    const capabilities = broker.capabilities;
    return {
      harness,
      capabilities,
      timing: resolveTiming(broker.name, harness.timing),
      label: harness.label ?? capabilities.label,
      target: harness.target ?? broker.toString(),
    };
  } finally {
    await broker.close();
  }
}

/** Chooses checks by id or guarantee name. @throws ConfigError naming an unknown name. */
export function selectChecks(only: readonly string[] | undefined, suite: readonly Check[] = CHECKS): Check[] {
  if (only === undefined || only.length === 0) return [...suite];
  const ids = new Set(suite.map((c) => c.id));
  for (const name of only) {
    if (!ids.has(name) && !isGuarantee(name)) {
      throw new ConfigError(
        'only',
        `"${name}" is neither a check nor a guarantee; checks: ${[...ids].join(', ')}; guarantees: ${GUARANTEE_NAMES.join(', ')}`,
      );
    }
  }
  const wanted = new Set(only);
  return suite.filter((c) => wanted.has(c.id) || c.verifies.some((g) => wanted.has(g)));
}

/**
 * Why a check cannot run on this broker (a guarantee it needs is declared unsupported), or undefined.
 * `pull` in `requires` stands for "consumers receive events": a broker that delivers by push
 * (through EventPort's push endpoint, the same consumer API) meets it. The `pull` row itself still
 * shows what the broker declares.
 */
export function gate(check: Check, capabilities: CapabilityReport): string | undefined {
  const receives = (g: Guarantee): boolean => g === 'pull' && capabilities.supports('push');
  const missing = check.requires.filter((g: Guarantee) => !capabilities.supports(g) && !receives(g));
  if (missing.length === 0) return undefined;
  return `needs ${missing.map((g) => `${g} (declared unsupported: ${capabilities.get(g).detail})`).join(', ')}`;
}

/**
 * The emulator gap that keeps `check` from running on this harness (by its id, or by a guarantee
 * it verifies), as the reason reports show, or undefined.
 */
export function emulatorGap(harness: Harness, check: Check): string | undefined {
  const gaps = harness.emulatorGaps;
  if (gaps === undefined) return undefined;
  const why = gaps[check.id] ?? check.verifies.map((g) => gaps[g]).find((r) => r !== undefined);
  return why === undefined ? undefined : `not verified (emulator gap: ${why})`;
}

/**
 * Runs one check on a fresh connection and cleans up after it. Never throws:
 * every outcome (including a hang, bounded by `timing.checkTimeoutMs`) becomes a result.
 */
export async function runCheck(session: Session, check: Check): Promise<CheckResult> {
  const base = { id: check.id, title: check.title, verifies: [...check.verifies] };
  const skip = gate(check, session.capabilities);
  if (skip !== undefined) return { ...base, status: 'skipped', durationMs: 0, reason: skip };
  const gap = emulatorGap(session.harness, check);
  if (gap !== undefined) return { ...base, status: 'not-verified', durationMs: 0, reason: gap };
  const started = Date.now();
  const abort = new AbortController();
  const cleanups: (() => unknown)[] = [];
  const topics = new Set<string>();
  const { harness } = session;
  const override =
    harness.timingFor?.(check) ??
    (check.verifies.includes('lease-extension')
      ? leaseTimingFor(session.capabilities, session.timing)
      : undefined);
  const timing = override === undefined ? session.timing : { ...session.timing, ...override };
  const log = captureLogger();
  const withLog = (extras: ConnectExtras = {}): ConnectExtras => ({ logger: log.logger, ...extras });
  let broker: Broker | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    broker = await harness.connect(withLog());
    const main = broker;
    const prepare = async (topic: string): Promise<void> => {
      topics.add(topic);
      if (harness.createTopic !== undefined) await harness.createTopic(main, topic);
      else await main.createTopic(topic).catch(ignoreMissingAdmin);
    };
    const ctx: CheckContext = {
      broker: main,
      capabilities: session.capabilities,
      timing,
      harness,
      signal: abort.signal,
      topic: async (hint = check.id) => {
        const topic = `conformance-${hint}-${uniqueSuffix()}`;
        await prepare(topic);
        return topic;
      },
      prepareTopic: prepare,
      ownTopic: (topic) => void topics.add(topic),
      connect: async (extras) => {
        const b = await harness.connect(withLog(extras));
        cleanups.push(() => b.close());
        return b;
      },
      defer: (fn) => void cleanups.push(fn),
    };
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new CheckFailed(`the check did not finish within ${timing.checkTimeoutMs} ms`));
      }, timing.checkTimeoutMs);
    });
    const evidence = await Promise.race([check.run(ctx), timeout]);
    return { ...base, status: 'passed', durationMs: Date.now() - started, evidence };
  } catch (err) {
    const outcome = classify(err);
    if (outcome.status === 'failed' && log.lines.length > 0) {
      const details = [...(outcome.evidence?.details ?? []), ...log.lines.slice(-5).map((l) => `log: ${l}`)];
      return {
        ...base,
        ...outcome,
        evidence: { summary: 'failed', ...outcome.evidence, details },
        durationMs: Date.now() - started,
      };
    }
    return { ...base, ...outcome, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    abort.abort();
    await cleanup(cleanups, topics, broker, harness, timing);
  }
}

/** Keeps the last warnings and errors EventPort logged during a check (shown with a failure). */
function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
    if (lines.length > 50) lines.shift();
  };
  return {
    lines,
    logger: { debug: () => undefined, info: () => undefined, warn: keep('warn'), error: keep('error') },
  };
}

function classify(err: unknown): Pick<CheckResult, 'status' | 'evidence' | 'reason'> {
  if (err instanceof NotVerified) return { status: 'not-verified', reason: err.message };
  if (err instanceof CheckFailed) return { status: 'failed', evidence: err.evidence };
  if (err instanceof UnsupportedGuaranteeError) {
    return {
      status: 'failed',
      evidence: { summary: `the adapter refused what it declares: ${err.message}` },
    };
  }
  const text =
    err instanceof Error
      ? `${err.name}${'code' in err ? ` [${String((err as { code: unknown }).code)}]` : ''}: ${err.message}`
      : String(err);
  return { status: 'failed', evidence: { summary: `unexpected error: ${text}` } };
}

function ignoreMissingAdmin(err: unknown): void {
  // Broker.createTopic reports a driver without administration this way; topics are then created on first use.
  if (err instanceof Error && /topic administration/.test(err.message)) return;
  throw err;
}

async function cleanup(
  cleanups: (() => unknown)[],
  topics: Set<string>,
  broker: Broker | undefined,
  harness: Harness,
  timing: Timing,
): Promise<void> {
  const bounded = (p: unknown): Promise<unknown> =>
    Promise.race([
      Promise.resolve(p).catch(() => undefined),
      new Promise((r) => setTimeout(r, timing.timeoutMs).unref()),
    ]);
  for (const fn of cleanups.reverse()) {
    try {
      await bounded(fn());
    } catch {
      // cleanup is best effort
    }
  }
  if (broker !== undefined) {
    for (const topic of topics) {
      const del =
        harness.deleteTopic !== undefined ? harness.deleteTopic(broker, topic) : broker.deleteTopic(topic);
      await bounded(del);
    }
    await bounded(broker.close());
  }
}

/** Runs the suite (or `only` a part of it) against the harness and returns the broker's report. */
export async function runConformance(harness: Harness, options: RunOptions = {}): Promise<BrokerReport> {
  const suite = options.checks ?? CHECKS;
  const selected = selectChecks(options.only, suite);
  const startedAt = new Date();
  const session = await openSession(harness);
  options.onProgress?.({ type: 'start', label: session.label, total: selected.length });
  const results: CheckResult[] = [];
  for (const [index, check] of selected.entries()) {
    options.onProgress?.({ type: 'check-start', index, total: selected.length, check });
    const result = await runCheck(session, check);
    results.push(result);
    options.onProgress?.({ type: 'check-end', index, total: selected.length, result });
  }
  await harness.close?.();
  return brokerReport(session, suite, results, startedAt);
}

/** Assembles a broker's report from check results. */
export function brokerReport(
  session: Session,
  suite: readonly Check[],
  results: readonly CheckResult[],
  startedAt: Date,
): BrokerReport {
  const rows = buildRows(session.capabilities, suite, results, session.harness.emulatorGaps);
  return {
    label: session.label,
    broker: session.capabilities.broker,
    variant: session.capabilities.variant,
    target: session.target,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    summary: summarize(rows, results),
    rows,
    checks: [...results],
  };
}
