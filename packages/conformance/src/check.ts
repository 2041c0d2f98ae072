import type { Broker, CapabilityReport, ConnectExtras, Guarantee } from '@eventport/core';
import type { Harness, Timing } from './harness.js';

/** What a check found: a one-line summary, counts, the first bad event, more lines. */
export interface Evidence {
  readonly summary: string;
  readonly counts?: Readonly<Record<string, number>>;
  /** The first event that broke the claim, described. */
  readonly firstBad?: string;
  readonly details?: readonly string[];
}

/** Thrown by a check whose claim does not hold. */
export class CheckFailed extends Error {
  readonly evidence: Evidence;
  constructor(summary: string, evidence: Omit<Evidence, 'summary'> = {}) {
    super(summary);
    this.name = 'CheckFailed';
    this.evidence = { summary, ...evidence };
  }
}

/** Thrown by a check that could not decide (the harness lacks something, the fault could not be injected). */
export class NotVerified extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotVerified';
  }
}

/** Everything a check gets. Resources opened through it are released after the check. */
export interface CheckContext {
  /** A connection of its own for this check. */
  readonly broker: Broker;
  readonly capabilities: CapabilityReport;
  readonly timing: Timing;
  readonly harness: Harness;
  /** Aborted when the check runs out of time: stop waiting. */
  readonly signal: AbortSignal;
  /** A fresh topic with a unique name, prepared (created where the adapter can) and removed afterwards. */
  topic(hint?: string): Promise<string>;
  /** Prepares a topic with exactly this name (a dead-letter topic) and removes it afterwards. */
  prepareTopic(topic: string): Promise<void>;
  /** Registers a topic for removal after the check. */
  ownTopic(topic: string): void;
  /** Another connection (closed after the check); `extras` inject faults or taps. */
  connect(extras?: ConnectExtras): Promise<Broker>;
  /** Runs `fn` at cleanup (last registered, first run). */
  defer(fn: () => unknown): void;
}

/**
 * One conformance check: a plain async function over a {@link CheckContext}.
 * It runs only when every guarantee in `requires` is declared (native or
 * emulated) by the broker in hand: declarations alone decide what runs.
 * Resolving = the claim holds (with evidence); CheckFailed = it does not;
 * NotVerified = the check could not decide.
 */
export interface Check {
  /** Stable id, e.g. "fan-out"; also the report row of checks that verify no guarantee. */
  readonly id: string;
  readonly title: string;
  /** Guarantees whose claim this check proves (report rows). Empty: a basic check with its own row. */
  readonly verifies: readonly Guarantee[];
  /** Guarantees the check needs declared to run (always includes `verifies`). */
  readonly requires: readonly Guarantee[];
  /** A basic check that also proves guarantees still gets its own report row (round trip). */
  readonly ownRow: boolean;
  run(ctx: CheckContext): Promise<Evidence>;
}

/** Builds a check; `requires` defaults to `verifies` and always includes it. */
export function defineCheck(spec: {
  id: string;
  title: string;
  verifies?: readonly Guarantee[];
  requires?: readonly Guarantee[];
  ownRow?: boolean;
  run(ctx: CheckContext): Promise<Evidence>;
}): Check {
  const verifies = spec.verifies ?? [];
  const requires = [...new Set([...verifies, ...(spec.requires ?? [])])];
  const ownRow = spec.ownRow ?? verifies.length === 0;
  return Object.freeze({ id: spec.id, title: spec.title, verifies, requires, ownRow, run: spec.run });
}
