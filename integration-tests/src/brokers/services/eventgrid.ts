/**
 * EventPort's own Azure Event Grid emulator (workspace package @eventport/eventgrid-emulator,
 * node:http, no Docker) on 127.0.0.1:6500: namespace topics at the endpoint, basic topics at
 * `<endpoint>/api/events`, access key `eventport-dev-key`. Runs the package's built CLI
 * (`dist/cli.js`); builds it with `tsc --build` when it is missing. Dead-lettered events go to
 * the service's run folder.
 *
 * No container image exists: it always runs as a local process (`localOnly`), whatever
 * EVENTPORT_BROKER_RUNTIME says; docker-compose.yml runs the same CLI in a node image.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { httpRequest } from '../probes.js';
import { LOOPBACK, type LaunchContext, type ServiceSpec } from './spec.js';

const PORT = 6500;
/** The emulator's documented development key (not a secret). */
export const EVENTGRID_KEY = 'eventport-dev-key';

/** The emulator package folder, found from the working directory (the repository or a workspace). */
function packageDir(): string {
  const from = [process.cwd(), process.env.INIT_CWD].filter((d): d is string => Boolean(d));
  for (const dir of from) {
    try {
      const req = createRequire(path.join(dir, 'package.json'));
      return path.dirname(req.resolve('@eventport/eventgrid-emulator/package.json'));
    } catch {
      // try the next folder
    }
  }
  throw new Error(
    `@eventport/eventgrid-emulator not found from ${from.join(', ')}: run npm install in the repository`,
  );
}

/** dist/cli.js of the emulator, built with the repository's TypeScript when missing. */
function cliPath(log: (m: string) => void): string {
  const dir = packageDir();
  const cli = path.join(dir, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) {
    log(`eventgrid: ${cli} missing; building the emulator (tsc --build)`);
    const tsc = createRequire(path.join(dir, 'package.json')).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '--build', dir], { stdio: 'inherit', timeout: 120_000 });
  }
  return cli;
}

/**
 * Ready when a namespace acknowledge with a malformed token, authenticated with the key, is
 * answered 200 with a per-token `BadToken` failure: routing, auth and the store all work.
 */
export async function probeEventGrid(endpoint: string): Promise<true | string> {
  const answer = await httpRequest(
    `${endpoint}/topics/eventport-probe/eventsubscriptions/probe:acknowledge?api-version=2024-06-01`,
    {
      method: 'POST',
      headers: { authorization: `SharedAccessKey ${EVENTGRID_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lockTokens: ['probe'] }),
    },
  );
  if (answer.status !== 200) return `acknowledge answered HTTP ${answer.status}`;
  const body = JSON.parse(answer.body) as { failedLockTokens?: { error?: { code?: string } }[] };
  const code = body.failedLockTokens?.[0]?.error?.code;
  return code === 'BadToken' ? true : `acknowledge answered ${answer.body}`;
}

export const eventgrid: ServiceSpec = {
  name: 'eventgrid',
  title: 'EventPort Event Grid emulator',
  ports: [PORT],
  endpoint: `http://${LOOPBACK}:${PORT}`,
  externalEnv: 'EVENTPORT_EVENTGRID_ENDPOINT',
  processMarker: 'eventgrid-emulator',
  startTimeoutMs: 30_000,
  stopGraceMs: 5_000,
  localOnly: true,
  container: {
    // Never started (localOnly); kept because every spec names one. It only says why.
    image: 'node:20-alpine',
    ports: [PORT],
    command: [
      'node',
      '-e',
      'console.error("eventgrid: no container image; use the local runtime"); process.exit(1)',
    ],
  },
  env: (endpoint) => ({
    EVENTPORT_EVENTGRID_ENDPOINT: endpoint,
    EVENTPORT_EVENTGRID_TOPIC_ENDPOINT: `${endpoint}/api/events`,
    EVENTPORT_EVENTGRID_KEY: EVENTGRID_KEY,
  }),
  probe: probeEventGrid,
  install: async (log) => {
    cliPath(log);
  },
  launch: async ({ dir, fresh, log }: LaunchContext) => {
    const deadLetters = path.join(dir, 'deadletters');
    if (fresh) fs.rmSync(deadLetters, { recursive: true, force: true });
    fs.mkdirSync(deadLetters, { recursive: true });
    return {
      command: process.execPath,
      args: [cliPath(log), '--host', LOOPBACK, '--port', String(PORT), '--dead-letter-dir', deadLetters],
      cwd: dir,
    };
  },
};
