/**
 * The conformance suite over @eventport/kafka against the real Kafka broker (4.1.1, KRaft): every
 * guarantee the adapter declares native or emulated is checked here. The report goes to
 * reports/conformance/kafka.{json,md}.
 *
 * @brokers kafka
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { render, toConformanceReport, urlHarness } from '@eventport/conformance';
import { describeConformance } from '@eventport/conformance/jest';
import { kafkaUrl } from './support/kafka.js';

const REPORTS = path.resolve(__dirname, '../../../reports/conformance');

describeConformance(
  () =>
    urlHarness(kafkaUrl(), {
      label: 'kafka',
      isNativeClient: (raw) => raw instanceof Kafka,
      // Kafka needs no lease; the lease-extension check's handler (3 x leaseMs = 9 s) outlasts
      // the 6 s session timeout of kafkaUrl(), so it proves heartbeats continue meanwhile.
      timing: {
        timeoutMs: 30_000,
        quietMs: 1_500,
        leaseMs: 3_000,
        delayMs: 1_000,
        retryDelayMs: 50,
        checkTimeoutMs: 120_000,
      },
    }),
  {
    title: 'conformance: kafka',
    testTimeoutMs: 150_000,
    onReport: (report) => {
      mkdirSync(REPORTS, { recursive: true });
      const matrix = toConformanceReport([report]);
      writeFileSync(path.join(REPORTS, 'kafka.json'), render(matrix, 'json'));
      writeFileSync(path.join(REPORTS, 'kafka.md'), render(matrix, 'md'));
    },
  },
);
