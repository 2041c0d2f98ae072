/**
 * Jest global teardown of the `integration` project: stops the brokers that global setup started
 * (brokers it found running, e.g. from `npm run brokers -- up`, are left running).
 * EVENTPORT_KEEP_BROKERS=1 leaves everything running for quicker re-runs.
 */
import './resolve-ts-suffix.cjs';
import { Brokers } from '../brokers/index.js';
import { log } from '../brokers/log.js';
import { takeStarted } from './state.js';

export default async function globalTeardown(): Promise<void> {
  const started = takeStarted();
  if (started.length === 0) return;
  if (process.env.EVENTPORT_KEEP_BROKERS === '1') {
    log(`EVENTPORT_KEEP_BROKERS=1: leaving ${started.join(', ')} running`);
    return;
  }
  await new Brokers().down(started);
}
