/**
 * Fault tests of @eventport/eventhubs on the project's emulator and Azurite:
 *
 * 1. The emulator (a private process with a data directory) is SIGKILLed in the middle of a
 *    10,000-event stream and restarted on its data: every acknowledged event is consumed.
 * 2. A consumer process is SIGKILLed mid-stream; the other consumer of its group takes its
 *    partitions over once their ownership expires and resumes from the last checkpoints: nothing
 *    is lost.
 *
 * @brokers eventhubs azurite
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Broker } from '@eventport/core';
import { uniqueName } from '../support/env.js';
import {
  FAST,
  connectEventHubs,
  connectionString,
  storageConnectionString,
  sleep,
  uniqueHub,
  until,
} from './support/eventhubs.js';
import { freePort } from '../support/free-port.js';

jest.setTimeout(180_000);

const children: ChildProcess[] = [];
const brokers: Broker[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.allSettled(brokers.map((b) => b.close()));
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A private emulator process on `port` keeping its events in `dataDir`. */
async function startEmulator(port: number, dataDir: string): Promise<ChildProcess> {
  const pkg = createRequire(__filename).resolve('@eventport/eventhubs-emulator/package.json');
  const cli = path.join(path.dirname(pkg), 'dist', 'cli.js');
  const log = fs.openSync(path.join(dataDir, '..', `${path.basename(dataDir)}.log`), 'a');
  const child = spawn(process.execPath, [cli, '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  children.push(child);
  await until(() => listening(port), 20_000, `the emulator on port ${port}`);
  return child;
}

test('the emulator SIGKILLed mid-stream (10,000 events) and restarted on its data: every acknowledged event is consumed', async () => {
  // the emulator's README: a transfer is written to its partition file before it is accepted
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-fault-'));
  let emulator = await startEmulator(port, dataDir);
  const cs = `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`;
  const broker = await connectEventHubs({ connectionString: cs, checkpointContainer: uniqueName('ckpt') });
  brokers.push(broker);
  const hub = uniqueHub('fault-broker');
  const total = 10_000;
  const consumed = new Set<string>();
  const sub = await broker
    .consumer(hub, { group: 'g', from: 'earliest', concurrency: 16 })
    .subscribe(async (e) => void consumed.add(e.id));
  // sends in flight when the process dies fail only after ~30 s (the client waits for its old
  // connection to close before it opens a new one); EventPort then retries them
  const producer = broker.producer(hub, {
    retry: { attempts: 40, backoff: 'exponential', initialDelayMs: 100, maxDelayMs: 1_000 },
  });
  const acknowledged: string[] = [];
  let killedAfter = 0;
  let sendError: unknown;
  const sending = (async () => {
    for (let i = 0; i < total; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) => ({
        id: `ev-${i + j}`,
        type: 't',
        source: '/fault',
        key: `c${(i + j) % 50}`,
      }));
      await producer.send(batch);
      acknowledged.push(...batch.map((b) => b.id));
    }
  })().catch((err: unknown) => {
    sendError = err;
  });
  await until(() => acknowledged.length >= 3_000, 60_000, '3,000 acknowledged events');
  emulator.kill('SIGKILL');
  killedAfter = acknowledged.length;
  await sleep(1_000);
  emulator = await startEmulator(port, dataDir);
  await sending;
  if (sendError !== undefined) throw sendError;
  await until(
    () => acknowledged.every((id) => consumed.has(id)),
    120_000,
    'every acknowledged event consumed',
  );
  await sub.close();
  await broker.close();
  emulator.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(`${dataDir}.log`, { force: true });
  expect(killedAfter).toBeGreaterThan(0);
  expect(killedAfter).toBeLessThan(total);
  expect(acknowledged).toHaveLength(total);
  expect(acknowledged.filter((id) => !consumed.has(id))).toEqual([]);
});

test('a consumer process SIGKILLed mid-stream: the other takes over from the last checkpoint, none lost', async () => {
  const hub = uniqueHub('fault-kill');
  const group = 'workers';
  const container = uniqueName('ckpt');
  const options = {
    connectionString: connectionString(),
    storageConnectionString: storageConnectionString(),
    checkpointContainer: container,
    ...FAST,
  };
  const broker = await connectEventHubs({ checkpointContainer: container });
  brokers.push(broker);
  const total = 3_000;
  const ids = Array.from({ length: total }, (_, i) => `ev-${i}`);
  const producer = broker.producer(hub);
  for (let i = 0; i < total; i += 500)
    await producer.send(
      ids.slice(i, i + 500).map((id, j) => ({ id, type: 't', source: '/fault', key: `c${(i + j) % 40}` })),
    );

  const byChild = new Set<string>();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, 'support', 'worker.ts'),
      JSON.stringify(options),
      hub,
      group,
      '3',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (pending + String(d)).split('\n');
    pending = lines.pop()!;
    for (const l of lines) if (l.startsWith('handled ')) byChild.add(l.slice('handled '.length));
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => void (stderr += String(d)));
  await until(() => byChild.size > 0 || child.exitCode !== null, 60_000, 'the worker handling events');
  expect([child.exitCode, stderr]).toEqual([null, '']);

  const byUs = new Map<string, string>(); // id -> partition
  const sub = await broker
    .consumer(hub, { group, from: 'earliest', concurrency: 8 })
    .subscribe(async (e, ctx) => {
      await new Promise((r) => setTimeout(r, 3));
      byUs.set(e.id, String(ctx.partition));
    });
  // the two split the hub, then the worker dies mid-stream
  await until(() => byUs.size > 100 && byChild.size > 300, 60_000, 'both consumers handling events');
  child.kill('SIGKILL');
  const atKill = byChild.size;
  const seen = (): number => ids.filter((id) => byChild.has(id) || byUs.has(id)).length;
  await until(() => seen() === total, 90_000, 'every event handled by one of the two');
  await sub.close();
  const lost = ids.filter((id) => !byChild.has(id) && !byUs.has(id));
  const twice = ids.filter((id) => byChild.has(id) && byUs.has(id)).length;
  expect(atKill).toBeLessThan(total);
  expect(lost).toEqual([]);
  expect(new Set(byUs.values()).size).toBe(4); // it took the dead worker's partitions over
  // resumed from checkpoints, not from the start: only events after the last checkpoints came twice
  expect(twice).toBeLessThan(atKill);
});
