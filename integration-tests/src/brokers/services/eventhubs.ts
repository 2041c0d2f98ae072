/**
 * EventPort's own Event Hubs emulator (workspace package `@eventport/eventhubs-emulator`, its
 * built bin `dist/cli.js`) on 127.0.0.1:5672, serving the hubs of
 * integration-tests/eventhubs-emulator/Config.json with Microsoft's development key, and keeping
 * its events under the service's run folder (so `restart` and `kill` + `start --keep-data` keep
 * them). The package is built with `tsc --build` when its `dist` is missing or older than its
 * sources. The container runtime uses Microsoft's emulator image instead (see docker-compose.yml;
 * it also needs Azurite and ACCEPT_EULA=Y).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { probeAmqp } from '../amqp-probe.js';
import type { Logger } from '../log.js';
import { hostPort } from '../probes.js';
import { LOOPBACK, type LaunchContext, type ServiceSpec } from './spec.js';

const PORT = 5672;
const KEY = 'SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE';

/** The emulator package folder, found from the working directory like any workspace package. */
function packageDir(): string {
  const from = [process.cwd(), process.env.INIT_CWD].filter((d): d is string => Boolean(d));
  for (const dir of from) {
    try {
      const req = createRequire(path.join(dir, 'package.json'));
      return path.dirname(req.resolve('@eventport/eventhubs-emulator/package.json'));
    } catch {
      // try the next folder
    }
  }
  throw new Error(
    `@eventport/eventhubs-emulator not found from ${from.join(', ')}: run npm install in the repository`,
  );
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    newest = Math.max(newest, fs.statSync(path.join(dir, entry)).mtimeMs);
  }
  return newest;
}

/** Builds the package when dist/cli.js is missing or every built file is older than a source file. */
async function install(log: Logger): Promise<void> {
  const dir = packageDir();
  const cli = path.join(dir, 'dist', 'cli.js');
  // tsc rewrites only outputs whose content changed, but its build info on every rebuild: use both
  const buildInfo = path.join(dir, 'tsconfig.tsbuildinfo');
  const built = Math.max(
    newestMtime(path.join(dir, 'dist')),
    fs.existsSync(buildInfo) ? fs.statSync(buildInfo).mtimeMs : 0,
  );
  if (fs.existsSync(cli) && built >= newestMtime(path.join(dir, 'src'))) return;
  log('eventhubs: building @eventport/eventhubs-emulator (tsc --build)');
  const tsc = createRequire(path.join(dir, 'package.json')).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '--build', dir], { timeout: 120_000 });
}

/** The connection string of an emulator at `host:port` with the development key. */
export function eventHubsConnectionString(endpoint: string): string {
  return `Endpoint=sb://${endpoint};${KEY};UseDevelopmentEmulator=true`;
}

/** host:port of an endpoint given as host:port or as a connection string (`Endpoint=sb://…`). */
export function eventHubsTarget(value: string): { host: string; port: number } {
  const endpoint = /Endpoint=sb:\/\/([^;/]+)/i.exec(value)?.[1] ?? value;
  const { host, port } = hostPort(`sb://${endpoint}`);
  return { host, port: /:\d+$/.test(endpoint) ? port : PORT };
}

async function launch({ dir, fresh, log }: LaunchContext) {
  await install(log);
  const dataDir = path.join(dir, 'data');
  if (fresh) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  return {
    command: process.execPath,
    args: [
      path.join(packageDir(), 'dist', 'cli.js'),
      '--host',
      LOOPBACK,
      '--port',
      String(PORT),
      '--data-dir',
      dataDir,
    ],
    cwd: dir,
  };
}

export const eventhubs: ServiceSpec = {
  name: 'eventhubs',
  title: 'EventPort Event Hubs emulator (AMQP)',
  ports: [PORT],
  endpoint: `${LOOPBACK}:${PORT}`,
  externalEnv: 'EVENTPORT_EVENTHUBS_CONNECTION_STRING',
  processMarker: 'eventhubs-emulator',
  startTimeoutMs: 30_000,
  stopGraceMs: 5_000,
  container: {
    image: 'mcr.microsoft.com/azure-messaging/eventhubs-emulator:2.0.1',
    ports: [PORT],
    environment: { ACCEPT_EULA: 'Y' },
  },
  env: (endpoint) => ({
    EVENTPORT_EVENTHUBS_CONNECTION_STRING: endpoint.includes('Endpoint=')
      ? endpoint
      : eventHubsConnectionString(endpoint),
  }),
  probe: (endpoint) => {
    const { host, port } = eventHubsTarget(endpoint);
    return probeAmqp(host, port);
  },
  install,
  launch,
};
