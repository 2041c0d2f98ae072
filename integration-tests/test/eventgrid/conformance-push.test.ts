/**
 * The conformance suite over the Event Grid adapter's basic-topic variant (push delivery): the
 * emulator pushes every event to EventPort's push endpoint (the standalone listener each
 * connection starts on 127.0.0.1), where the checks' handlers run. Writes
 * reports/conformance/eventgrid-emulator-basic-push.json.
 *
 * @brokers eventgrid
 */
import path from 'node:path';
import { connect, silentLogger, type ConnectExtras } from '@eventport/core';
import type { Harness } from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';
import '@eventport/eventgrid';
import { requireEnv } from '../support/env.js';

/** What the check cannot show on this variant, with why (reported "not verified", never passed). */
const GAPS: Readonly<Record<string, string>> = {
  'missing-topic':
    'the EventPort Event Grid emulator creates basic topics on first use (and a push consumer declares its topic through the admin API), so a topic is never missing there; a 404 from the service maps to TopicNotFoundError (unit test of the error mapping)',
  'batch-consume':
    "the EventPort Event Grid emulator has no output batching (maxEventsPerBatch): it pushes one event per request, so a push of many events cannot be shown; the endpoint parses batches (unit tests of the codec and of core's push endpoint)",
  'dead-letter':
    "Event Grid dead-letters a push answered 400 to the subscription's storage-blob destination (the emulator: its dead-letter store), not to a topic this check can consume; push.test.ts reads the emulator's dead-letter store instead (dead-lettered at once on ctx.deadLetter, and after the retry budget)",
};

function harness(): Harness {
  const endpoint = new URL(requireEnv('EVENTPORT_EVENTGRID_ENDPOINT'));
  const key = encodeURIComponent(requireEnv('EVENTPORT_EVENTGRID_KEY'));
  const target = `eventgrid://${endpoint.host}/conformance?key=${key}&mode=basic`;
  return {
    label: 'eventgrid (basic, push) on the EventPort emulator',
    target: `eventgrid://${endpoint.host}/conformance?mode=basic`,
    timing: {
      timeoutMs: 30_000,
      quietMs: 1_000,
      leaseMs: 2_000,
      delayMs: 2_000,
      retryDelayMs: 100,
      checkTimeoutMs: 120_000,
    },
    connect: (extras?: ConnectExtras) => connect(target, { logger: silentLogger, ...extras }),
    isNativeClient: (raw) =>
      typeof (raw as { pushHandler?: unknown } | undefined)?.pushHandler === 'function',
    emulatorGaps: GAPS,
  };
}

describeConformance(harness, {
  title: 'conformance: eventgrid (basic topics, push) on the EventPort Event Grid emulator',
  testTimeoutMs: 200_000,
  report: path.resolve(__dirname, '../../../reports/conformance/eventgrid-emulator-basic-push.json'),
});
