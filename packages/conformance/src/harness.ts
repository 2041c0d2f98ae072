import {
  connect,
  redactSecrets,
  type Broker,
  type ConnectExtras,
  type ConnectOptions,
} from '@eventport/core';
import { redactObject } from '@eventport/core/driver';

/**
 * How long checks wait. Every wait in the suite is bounded by one of these, so a
 * broken broker makes a check fail, never hang. The memory broker uses
 * {@link FAST_TIMING}; real brokers default to {@link DEFAULT_TIMING}.
 */
export interface Timing {
  /** Upper bound for any wait for expected events (ms). */
  readonly timeoutMs: number;
  /** How long to watch for unwanted extra deliveries once the expected ones arrived (ms). */
  readonly quietMs: number;
  /** Lease (visibility timeout) used by checks that need a lease to run out (ms). */
  readonly leaseMs: number;
  /** Delay used for nack-with-delay and delayed delivery (ms). */
  readonly delayMs: number;
  /** First backoff delay of handler retries in checks (ms). */
  readonly retryDelayMs: number;
  /** Hard bound for one whole check (ms). */
  readonly checkTimeoutMs: number;
}

/** For in-process brokers: the whole suite runs in seconds. */
export const FAST_TIMING: Timing = Object.freeze({
  timeoutMs: 5_000,
  quietMs: 150,
  leaseMs: 400,
  delayMs: 250,
  retryDelayMs: 5,
  checkTimeoutMs: 30_000,
});

/** For brokers over the network (leases of seconds, clocks of different hosts). */
export const DEFAULT_TIMING: Timing = Object.freeze({
  timeoutMs: 60_000,
  quietMs: 2_000,
  leaseMs: 10_000,
  delayMs: 2_000,
  retryDelayMs: 100,
  checkTimeoutMs: 240_000,
});

/** Timing used when the harness sets none, by broker name. */
export const TIMING_PRESETS: Readonly<Record<string, Timing>> = Object.freeze({ memory: FAST_TIMING });

/**
 * What the checks run over: a way to connect to the broker under test. Checks
 * create their own topics (unique names), producers and consumers through the
 * connections it opens, and clean up after themselves.
 *
 * `connect` must pass `extras` on to `@eventport/core`'s `connect()`: checks use
 * `extras.wrapDriver` to inject faults the broker cannot be asked for (a producer
 * resend after a lost acknowledgement, a consumer crash after the effect and
 * before the ack) and to observe batching.
 */
export interface Harness {
  /** Column label in reports (default: the broker's capability label, e.g. "sqs (fifo)"). */
  readonly label?: string;
  /** The target as shown in reports; must not contain secrets (it is redacted anyway). */
  readonly target?: string;
  /** Overrides of the timing preset. */
  readonly timing?: Partial<Timing>;
  /** Opens a connection to the broker under test. */
  connect(extras?: ConnectExtras): Promise<Broker>;
  /**
   * Opens a connection on which a missing topic is NOT created on first use, for
   * the missing-topic check. Absent: that check reports "not verified".
   */
  connectStrict?(extras?: ConnectExtras): Promise<Broker>;
  /** Prepares a fresh topic. Default: `broker.createTopic(topic)` when the adapter has administration. */
  createTopic?(broker: Broker, topic: string): Promise<void>;
  /** Removes a topic after a check. Default: `broker.deleteTopic(topic)`, errors ignored. */
  deleteTopic?(broker: Broker, topic: string): Promise<void>;
  /** Whether the escape hatch's value is the adapter's native client (default: any object). */
  isNativeClient?(raw: unknown): boolean;
  /**
   * Emulator gaps: what the broker under test (an emulator) cannot show although the real broker
   * has it, keyed by check id or guarantee, with why (name the emulator: "ElasticMQ has no SNS").
   * Those checks do not run; their results and report rows say "not verified (emulator gap: why)",
   * never passed. Only for a misbehaviour of the emulator shown through its raw client, not to hide
   * an adapter's bug.
   */
  readonly emulatorGaps?: Readonly<Record<string, string>>;
  /**
   * Timing overrides for one check, on top of `timing` (e.g. a broker whose locks last at least
   * 60 s runs the lease checks with a longer lease, so an unrenewed lock would show). Absent or
   * undefined: the harness's timing.
   */
  timingFor?(check: {
    readonly id: string;
    readonly verifies: readonly string[];
  }): Partial<Timing> | undefined;
  /** Releases what the harness holds. */
  close?(): Promise<void>;
}

export interface UrlHarnessOptions {
  label?: string;
  timing?: Partial<Timing>;
  /**
   * The connection for the missing-topic check. Default: the same target with
   * `autoCreateTopics=false` (URL query parameter or option); adapters that do not
   * know that option reject it and the check reports "not verified". `false`: none.
   */
  strictTarget?: string | ConnectOptions | false;
  isNativeClient?: (raw: unknown) => boolean;
}

/**
 * A harness over a broker URL (`memory://`, `kafka://127.0.0.1:9092`, …) or an
 * options object (`{ kind: 'memory', name: 'x' }`): what the CLI uses.
 */
export function urlHarness(target: string | ConnectOptions, options: UrlHarnessOptions = {}): Harness {
  const strict = options.strictTarget === undefined ? strictVariant(target) : options.strictTarget;
  return {
    label: options.label,
    target: describeTarget(target),
    timing: options.timing,
    connect: (extras) => connect(target, extras),
    connectStrict: strict === false ? undefined : (extras) => connect(strict, extras),
    isNativeClient: options.isNativeClient,
  };
}

/** The same target with `autoCreateTopics=false`. */
export function strictVariant(target: string | ConnectOptions): string | ConnectOptions {
  if (typeof target !== 'string') return { ...target, autoCreateTopics: false };
  try {
    const url = new URL(target);
    url.searchParams.set('autoCreateTopics', 'false');
    return url.toString();
  } catch {
    return target; // connect() reports the malformed URL
  }
}

/** A printable, secret-free form of a target. */
export function describeTarget(target: string | ConnectOptions): string {
  if (typeof target === 'string') return redactSecrets(target);
  const parts = Object.entries(redactObject(target))
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return redactSecrets(`${target.kind}${parts.length ? ` {${parts.join(', ')}}` : ''}`);
}

/** The timing in force: harness overrides on top of the preset for the broker (or the default). */
export function resolveTiming(brokerName: string, overrides: Partial<Timing> | undefined): Timing {
  const base = TIMING_PRESETS[brokerName] ?? DEFAULT_TIMING;
  return Object.freeze({ ...base, ...stripUndefined(overrides ?? {}) });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
