/**
 * Jest global teardown of the `integration` project: releases the brokers global setup leased.
 * A broker is stopped only if a test run started it and no other live test run still uses it;
 * brokers started by `npm run brokers -- up` keep running. EVENTPORT_KEEP_BROKERS=1 leaves
 * everything running for quicker re-runs (the next run that ends without it stops them).
 */
import './resolve-ts-suffix.cjs';
import { Brokers } from '../brokers/index.js';
import { log } from '../brokers/log.js';
import { takeLeased } from './state.js';

export default async function globalTeardown(): Promise<void> {
  const leased = takeLeased();
  if (leased.length === 0) return;
  if (process.env.EVENTPORT_KEEP_BROKERS === '1') {
    log(`EVENTPORT_KEEP_BROKERS=1: leaving ${leased.join(', ')} running`);
    return;
  }
  await new Brokers().release(leased);
}
