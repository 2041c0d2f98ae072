/**
 * Azurite's blob service (npm package `azurite`, a devDependency of this workspace) on
 * 127.0.0.1:10000 with its data under the service's run folder. Serves the Event Hubs checkpoint
 * store. The account is Azurite's public, documented development account.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { probeAzuriteBlob } from '../probes.js';
import { LOOPBACK, type LaunchContext, type ServiceSpec } from './spec.js';

const PORT = 10000;
export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's well-known development key (published in Azurite's documentation; not a secret). */
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Finds azurite's blob entry point in the nearest node_modules above the working directory. */
function azuriteBlobMain(): string {
  const from = [process.cwd(), process.env.INIT_CWD].filter((d): d is string => Boolean(d));
  for (const dir of from) {
    try {
      const req = createRequire(path.join(dir, 'package.json'));
      const pkgJson = req.resolve('azurite/package.json');
      const pkg = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { bin: Record<string, string> };
      const main = pkg.bin['azurite-blob'];
      if (main) return path.resolve(path.dirname(pkgJson), main);
    } catch {
      // try the next folder
    }
  }
  throw new Error(`npm package azurite not found from ${from.join(', ')}: run npm install in the repository`);
}

export function azuriteConnectionString(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
}

async function launch({ dir, fresh }: LaunchContext) {
  const dataDir = path.join(dir, 'data');
  if (fresh) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  return {
    command: process.execPath,
    args: [
      azuriteBlobMain(),
      '--blobHost',
      LOOPBACK,
      '--blobPort',
      String(PORT),
      '--location',
      dataDir,
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
    ],
    cwd: dir,
  };
}

export const azurite: ServiceSpec = {
  name: 'azurite',
  title: 'Azurite (blob)',
  ports: [PORT],
  endpoint: `http://${LOOPBACK}:${PORT}/${AZURITE_ACCOUNT}`,
  externalEnv: 'EVENTPORT_AZURE_STORAGE_CONNECTION_STRING',
  processMarker: 'azurite',
  startTimeoutMs: 60_000,
  stopGraceMs: 5_000,
  container: {
    image: 'mcr.microsoft.com/azure-storage/azurite:3.35.0',
    ports: [PORT],
    command: [
      'azurite-blob',
      '--blobHost',
      '0.0.0.0',
      '--blobPort',
      String(PORT),
      '--skipApiVersionCheck',
      '--loose',
    ],
  },
  env: (endpoint) => ({
    EVENTPORT_AZURITE_BLOB_ENDPOINT: endpoint,
    EVENTPORT_AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString(endpoint),
  }),
  probe: probeAzuriteBlob,
  install: async () => {
    azuriteBlobMain();
  },
  launch,
};
