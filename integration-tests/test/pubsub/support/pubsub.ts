/**
 * Connection helpers for the Pub/Sub suites: the emulator's endpoint and project come from the
 * integration project's global setup (PUBSUB_EMULATOR_HOST, PUBSUB_PROJECT_ID), which also sets
 * METADATA_SERVER_DETECTION=none so Google's auth library never probes a metadata server.
 */
import { PubSub } from '@google-cloud/pubsub';
import { requireEnv } from '../../support/env.js';

export function emulatorHost(): string {
  return requireEnv('PUBSUB_EMULATOR_HOST');
}

export function projectId(): string {
  return process.env.PUBSUB_PROJECT_ID ?? 'eventport-test';
}

/** The adapter's URL for the emulator, with extra query parameters. */
export function pubsubUrl(extra = '', host = emulatorHost()): string {
  return `pubsub://${projectId()}?emulatorHost=${encodeURIComponent(host)}${extra}`;
}

/** A raw client on the emulator (the test's own, independent of the adapter's). */
export function rawClient(host = emulatorHost()): PubSub {
  return new PubSub({ projectId: projectId(), apiEndpoint: host, emulatorMode: true });
}
