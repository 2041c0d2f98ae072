/**
 * Google's Cloud Pub/Sub emulator (Debian package google-cloud-cli-pubsub-emulator, installed with
 * apt-get when missing) on 127.0.0.1:8085, in memory.
 */
import { ensureDebianPackage } from '../install/apt.js';
import { probePubSub } from '../probes.js';
import { jvmFlags, LOOPBACK, type ServiceSpec } from './spec.js';

const PORT = 8085;
const EMULATOR =
  process.env.EVENTPORT_PUBSUB_EMULATOR ??
  '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator';

export const pubsub: ServiceSpec = {
  name: 'pubsub',
  title: 'Google Cloud Pub/Sub emulator',
  ports: [PORT],
  endpoint: `${LOOPBACK}:${PORT}`,
  externalEnv: 'PUBSUB_EMULATOR_HOST',
  processMarker: 'pubsub-emulator',
  startTimeoutMs: 60_000,
  stopGraceMs: 5_000,
  container: {
    image: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators',
    ports: [PORT],
    command: ['gcloud', 'beta', 'emulators', 'pubsub', 'start', `--host-port=0.0.0.0:${PORT}`],
  },
  env: (endpoint) => ({
    PUBSUB_EMULATOR_HOST: endpoint,
    PUBSUB_PROJECT_ID: 'eventport-test',
    // Google's auth library otherwise probes the GCE metadata server (169.254.169.254 and
    // metadata.google.internal) even in emulator mode: traffic must stay on loopback.
    METADATA_SERVER_DETECTION: 'none',
    GCE_METADATA_HOST: `${LOOPBACK}:9`,
  }),
  probe: probePubSub,
  install: (log) => ensureDebianPackage(EMULATOR, 'google-cloud-cli-pubsub-emulator', log),
  launch: async ({ dir }) => ({
    command: EMULATOR,
    args: [`--host=${LOOPBACK}`, `--port=${PORT}`],
    cwd: dir,
    env: { CLOUD_PUBSUB_EMULATOR_OPTS: jvmFlags('256m').join(' ') },
  }),
};
