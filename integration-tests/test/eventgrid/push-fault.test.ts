/**
 * Push delivery when the Event Grid emulator stops mid-stream (an emulator started in-process for
 * this test, so stopping it disturbs no other suite): EventPort's endpoint keeps serving, and
 * every event the emulator saw answered 2xx was handled successfully before that answer.
 *
 * @brokers eventgrid
 */
import { connect, silentLogger, type Broker } from '@eventport/core';
import '@eventport/eventgrid';
import { startEmulator, type RunningEmulator } from '@eventport/eventgrid-emulator';
import { uniqueName } from '../support/env.js';

const SECRET = 'fault-secret';

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('emulator stopped mid-stream: no 2xx-acknowledged event unhandled, the endpoint keeps serving', async () => {
  let emulator: RunningEmulator | undefined = await startEmulator({ port: 0, log: () => undefined });
  let broker: Broker | undefined;
  try {
    const host = new URL(emulator.url).host;
    broker = await connect(
      `eventgrid://${host}/fault?key=${emulator.key}&mode=basic&pushSecret=${SECRET}&listen=127.0.0.1:0`,
      { logger: silentLogger },
    );
    const topic = uniqueName('push-fault');
    const handled = new Set<string>();
    const sub = await broker.consumer(topic, { group: 'fault', concurrency: 8 }).subscribe(async (e) => {
      await new Promise((r) => setTimeout(r, 5));
      handled.add(e.id);
    });
    try {
      const n = 400;
      await broker
        .producer(topic)
        .send(Array.from({ length: n }, (_, i) => ({ source: '/f', type: 'f', data: { i } })));
      await until(() => handled.size >= 60, 20_000, '60 events handled');
      const state = emulator.basic.subscription(topic, 'fault');
      await emulator.close();
      emulator = undefined;
      const delivered = state?.stats.delivered ?? NaN;
      expect(delivered).toBeGreaterThan(0);
      expect(delivered).toBeLessThan(n); // really mid-stream
      expect(handled.size).toBeGreaterThanOrEqual(delivered);

      // The endpoint still serves: find it through the subscription's webhook URL, push one event.
      const webhook = new URL(state!.config.endpointUrl);
      const res = await fetch(webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'aeg-event-type': 'Notification' },
        body: JSON.stringify({ specversion: '1.0', id: 'after-stop', source: '/f', type: 'f', data: {} }),
      });
      expect(res.status).toBe(200);
      expect(handled.has('after-stop')).toBe(true);
    } finally {
      await sub.close();
    }
  } finally {
    await broker?.close();
    await emulator?.close();
  }
}, 60_000);
