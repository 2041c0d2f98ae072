/**
 * Fault tests of @eventport/eventhubs on the project's emulator and Azurite: a consumer process
 * SIGKILLed mid-stream; the other consumer of its group takes its partitions over once their
 * ownership expires and resumes from the last checkpoints: nothing is lost.
 *
 * @brokers eventhubs azurite
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Broker } from '@eventport/core';
import { uniqueName } from '../support/env.js';
import {
  FAST,
  connectEventHubs,
  connectionString,
  storageConnectionString,
  uniqueHub,
  until,
} from './support/eventhubs.js';

jest.setTimeout(180_000);

const children: ChildProcess[] = [];
const brokers: Broker[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.allSettled(brokers.map((b) => b.close()));
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
