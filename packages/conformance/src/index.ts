/**
 * `@eventport/conformance`: checks that prove a broker adapter's declared
 * guarantees. Checks are plain async functions over a {@link Harness}; run them
 * with {@link runConformance} (the CLI does), or under jest with
 * `describeConformance` from `@eventport/conformance/jest`. Which checks run is
 * decided only by the broker's declared capabilities.
 */
export {
  CheckFailed,
  NotVerified,
  defineCheck,
  type Check,
  type CheckContext,
  type Evidence,
} from './check.js';
export { CHECKS } from './checks/index.js';
export * as checks from './checks/index.js';
export {
  urlHarness,
  strictVariant,
  describeTarget,
  resolveTiming,
  FAST_TIMING,
  DEFAULT_TIMING,
  TIMING_PRESETS,
  type Harness,
  type Timing,
  type UrlHarnessOptions,
} from './harness.js';
export {
  runConformance,
  runCheck,
  openSession,
  selectChecks,
  gate,
  emulatorGap,
  brokerReport,
  type RunOptions,
  type ProgressEvent,
  type Session,
} from './runner.js';
export { tapDriver, type DriverTap } from './taps.js';
export * from './report/index.js';
