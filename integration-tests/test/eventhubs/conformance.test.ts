/**
 * The conformance suite over @eventport/eventhubs against the project's Event Hubs emulator, with
 * the blob checkpoint store on Azurite. Where the emulator cannot show what Azure Event Hubs does,
 * the check does not run and its report row says "not verified (emulator gap: why)" — never
 * "passed". The report goes to reports/conformance/eventhubs.{json,md}.
 *
 * @brokers eventhubs azurite
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import { render, toConformanceReport, type Harness } from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';
import { EventHubsEmulator } from '@eventport/eventhubs-emulator';
import { uniqueName } from '../support/env.js';
import { connectEventHubs } from './support/eventhubs.js';

const REPORT_DIR = path.resolve(__dirname, '../../../reports/conformance');

/** Check ids or guarantees the emulator cannot verify, with why (none at present). */
const EMULATOR_GAPS: Readonly<Record<string, string>> = {};

/**
 * The shared emulator creates hubs on first use; Azure does not. The missing-topic check runs
 * against a second emulator in this process started like Azure behaves (no auto-creation).
 */
let strictEmulator: EventHubsEmulator | undefined;

function harness(): Harness {
  const container = uniqueName('conformance');
  const options = { checkpointContainer: container };
  return {
    label: 'eventhubs',
    emulatorGaps: EMULATOR_GAPS,
    target: 'eventhubs://127.0.0.1:5672 (emulator) + Azurite',
    timing: {
      timeoutMs: 30_000,
      quietMs: 1_500,
      leaseMs: 3_000,
      delayMs: 1_000,
      retryDelayMs: 50,
      checkTimeoutMs: 120_000,
    },
    connect: (extras) => connectEventHubs(options, extras),
    connectStrict: async (extras) => {
      strictEmulator ??= await EventHubsEmulator.start({ port: 0, hubs: [], autoCreate: false });
      return connectEventHubs({ ...options, connectionString: strictEmulator.connectionString() }, extras);
    },
    close: async () => {
      await strictEmulator?.close();
      strictEmulator = undefined;
    },
    isNativeClient: (raw) =>
      (raw as { producer?: (hub: string) => unknown } | undefined)?.producer?.('native-check') instanceof
      EventHubProducerClient,
  };
}

describeConformance(harness, {
  title: 'conformance: eventhubs on the emulator',
  testTimeoutMs: 150_000,
  report: path.join(REPORT_DIR, 'eventhubs.json'),
  onReport: (report) => {
    mkdirSync(REPORT_DIR, { recursive: true });
    writeFileSync(path.join(REPORT_DIR, 'eventhubs.md'), render(toConformanceReport([report]), 'md'));
  },
});
