/**
 * Jest global setup of the `integration` project: starts (installing on first use) exactly the
 * brokers the selected suites declare, reuses brokers that are already running, and exports their
 * endpoints to the test workers through environment variables (EVENTPORT_KAFKA_BROKERS,
 * EVENTPORT_SQS_ENDPOINT, EVENTPORT_MOTO_ENDPOINT, PUBSUB_EMULATOR_HOST,
 * EVENTPORT_AZURE_STORAGE_CONNECTION_STRING, ...). A broker that cannot start fails the whole run
 * with its log tail; nothing is skipped silently. Each broker is leased for this run, so a
 * concurrent run never has its brokers stopped under it (see brokers/leases.ts).
 */
import './resolve-ts-suffix.cjs';
import { Brokers, envOf } from '../brokers/index.js';
import { log } from '../brokers/log.js';
import { recordRuntimes, RUNTIMES_ENV } from '../brokers/runtimes/select.js';
import { brokersNeeded, type GlobalConfigLike, type ProjectConfigLike } from './selection.js';
import { rememberLeased } from './state.js';

export default async function globalSetup(
  globalConfig: GlobalConfigLike,
  projectConfig: ProjectConfigLike,
): Promise<void> {
  const needed = brokersNeeded(globalConfig, projectConfig);
  if (needed.length === 0) {
    log('no selected integration suite declares a broker; starting none');
    return;
  }
  const started = Date.now();
  log(`brokers for this run: ${needed.join(', ')}`);
  const running = await new Brokers().up(needed, { forTestRun: true });
  rememberLeased(needed);
  Object.assign(process.env, envOf(running), { [RUNTIMES_ENV]: recordRuntimes(running) });
  log(`brokers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
