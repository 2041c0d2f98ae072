// The built `eventgrid-emulator` bin, spawned as users run it: what it prints, flags, shutdown.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AzureKeyCredential,
  EventGridReceiverClient,
  EventGridSenderClient,
} from '@azure/eventgrid-namespaces';
import { bounded } from './helpers.js';

const root = resolve(__dirname, '../../..');
const cli = join(root, 'packages/eventgrid-emulator/dist/cli.js');

beforeAll(() => {
  // npm test builds first; a bare `jest` run builds the emulator here
  if (!existsSync(cli))
    execFileSync('npx', ['tsc', '--build', 'packages/eventgrid-emulator'], { cwd: root, stdio: 'inherit' });
}, 120_000);

/** Starts the bin and resolves with the process and what it printed once it listens. */
function start(args: string[]): Promise<{ child: ChildProcess; out: string; url: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return bounded(
    new Promise<{ child: ChildProcess; out: string; url: string }>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
        if (url && out.includes('access key')) resolve({ child, out, url });
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before listening: ${out}`)));
    }),
    10_000,
    'the emulator to print its endpoint',
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return bounded(
    new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    }),
    10_000,
    'the emulator to stop on SIGTERM',
  );
}

test('prints endpoint and key, serves the real clients, stops on SIGTERM with exit 0', async () => {
  const { child, out, url } = await start(['--port', '0']);
  try {
    expect(out).toContain('access key: eventport-dev-key');
    expect(out).toContain(`${url}/api/events`);
    const key = new AzureKeyCredential('eventport-dev-key');
    await new EventGridSenderClient(url, key, 'cli', { allowInsecureConnection: true }).sendEvents({
      type: 't',
      id: 'cli-1',
      source: '/s',
      data: 1,
    });
    const receiver = new EventGridReceiverClient(url, key, 'cli', 'sub', { allowInsecureConnection: true });
    const { details } = await receiver.receiveEvents({ maxWaitTime: 10 });
    expect(details[0]?.event.data).toBe(1);
  } finally {
    expect(await stop(child)).toBe(0);
  }
});

test('--no-auto-create answers 404 for an unknown topic; --key changes the key', async () => {
  const { child, url } = await start(['--port', '0', '--no-auto-create', '--key', 'other-key']);
  try {
    const sender = new EventGridSenderClient(url, new AzureKeyCredential('other-key'), 'nope', {
      allowInsecureConnection: true,
    });
    await expect(sender.sendEvents({ type: 't', source: '/s', id: 'cli-1', data: 1 })).rejects.toMatchObject({
      statusCode: 404,
    });
    const wrongKey = new EventGridSenderClient(url, new AzureKeyCredential('eventport-dev-key'), 'nope', {
      allowInsecureConnection: true,
    });
    await expect(
      wrongKey.sendEvents({ type: 't', source: '/s', id: 'cli-1', data: 1 }),
    ).rejects.toMatchObject({
      statusCode: 401,
    });
  } finally {
    await stop(child);
  }
});

test('a bad flag exits 2 with the usage', () => {
  const r = spawnSync(process.execPath, [cli, '--frobnicate'], { encoding: 'utf8', timeout: 10_000 });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('usage: eventgrid-emulator');
});
