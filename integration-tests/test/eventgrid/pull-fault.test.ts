/**
 * Pull delivery when the Event Grid emulator stops mid-stream and comes back on the same port (an
 * emulator started in-process for this test, so stopping it disturbs no other suite): the
 * namespace receivers retry their failed receives and resume, and the producer publishes again.
 *
 * The emulator keeps its topics in memory only, so the events that were not yet acknowledged
 * when it stopped are gone with it: their redelivery after a restart is not verified here
 * (emulator gap: no persistence across restarts; the service keeps them until their lock
 * expires and delivers them again).
 *
 * @brokers eventgrid
 */
import { connect, silentLogger, type Broker, type Logger } from '@eventport/core';
import '@eventport/eventgrid';
import { startEmulator, type RunningEmulator } from '@eventport/eventgrid-emulator';
import { uniqueName } from '../support/env.js';

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('emulator stopped mid-stream and restarted: pull receivers resume, producers publish again', async () => {
  let emulator: RunningEmulator | undefined = await startEmulator({ port: 0, log: () => undefined });
  const port = Number(new URL(emulator.url).port);
  let broker: Broker | undefined;
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
  try {
    broker = await connect(`eventgrid://127.0.0.1:${port}/fault?key=${emulator.key}&maxWaitTime=10`, {
      logger,
    });
    const topic = uniqueName('pull-fault');
    const handled = new Set<number>();
    const sub = await broker
      .consumer(topic, { group: 'fault', concurrency: 4, maxInFlight: 20 })
      .subscribe(async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        handled.add((e.data as { i: number }).i);
      });
    try {
      const producer = broker.producer(topic);
      const before = 400;
      await producer.send(
        Array.from({ length: before }, (_, i) => ({ source: '/f', type: 'f', data: { i } })),
      );
      await until(() => handled.size >= 40, 20_000, '40 events handled');
      await emulator.close(); // mid-stream: receives and settles in flight fail
      emulator = undefined;
      const handledAtStop = handled.size;
      expect(handledAtStop).toBeLessThan(before); // really mid-stream
      // the receivers meet the outage: their receives fail and are retried
      await until(() => warnings.some((w) => w.startsWith('receive failed')), 10_000, 'a failed receive');

      emulator = await startEmulator({ port, log: () => undefined });
      const after = 100;
      await producer.send(
        Array.from({ length: after }, (_, k) => ({ source: '/f', type: 'f', data: { i: before + k } })),
      );
      // every event published after the restart reaches the handler: the receivers resumed
      await until(
        () => Array.from({ length: after }, (_, k) => before + k).every((i) => handled.has(i)),
        30_000,
        'the events published after the restart handled',
      );
    } finally {
      await sub.close();
    }
  } finally {
    await broker?.close();
    await emulator?.close();
  }
}, 60_000);
