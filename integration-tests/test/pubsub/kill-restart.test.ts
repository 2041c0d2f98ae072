/**
 * Fault test: a Pub/Sub emulator of this suite's own (a private port, so the shared one on 8085 is
 * not disturbed) is SIGKILLed under a running producer and two consumers (an ordered and an
 * unordered subscription) and started again. The emulator keeps nothing: after the restart it has
 * no topic and no subscription, and every message it held is gone.
 *
 * What the SDK does (observed here):
 * - while the port is closed, Pull and Publish fail with UNAVAILABLE: receivers report a retryable
 *   BrokerUnavailableError and the consumer's pump logs "receive failed" and retries with the
 *   consumer's backoff; publishes are retried by EventPort's policy (the client's own retries are
 *   off); gRPC reconnects by itself once the port answers.
 * - after the restart, Pull answers NOT_FOUND: the receiver re-creates the topic, the dead-letter
 *   topic and its subscription (auto-creation is on) — a new subscription, which starts at its
 *   creation — and resumes; a publish answered NOT_FOUND re-creates its topic and the retry goes
 *   through. Events published to the new topic before the new subscription existed never reach it
 *   (as on the service), and nothing from before the kill comes back.
 * - no error escapes to the process (no unhandled rejection), no subscription dies.
 */
import { connect, type Broker, type Logger, type Subscription } from '@eventport/core';
import '@eventport/pubsub';
import { uniqueName } from '../support/env.js';
import { PrivateEmulator } from './support/private-emulator.js';
import { rawClient } from './support/pubsub.js';

// Google's auth library must never look for a metadata server (the shared emulator's setup sets
// the same; this suite runs its own emulator).
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.GCE_METADATA_HOST = '127.0.0.1:9';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

function batch(from: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    type: 'k',
    source: '/kill',
    key: `k${(from + i) % 3}`,
    data: { n: from + i },
  }));
}

const fast = { attempts: 5, backoff: 'fixed', initialDelayMs: 300, maxDelayMs: 300, jitter: 0 } as const;

test('the emulator killed and restarted empty: both consumers go on on new subscriptions, the producer re-creates its topic, nothing escapes to the process', async () => {
  const emulator = await PrivateEmulator.create();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const warnings: string[] = [];
  const note = (m: string): void => void warnings.push(m);
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: note, error: note };
  let broker: Broker | undefined;
  const subs: Subscription[] = [];
  const died: unknown[] = [];
  const raw = rawClient(emulator.host);
  try {
    await emulator.start();
    broker = await connect(
      `pubsub://eventport-test?emulatorHost=${emulator.host}&pullTimeoutMs=1000&publishTimeoutMs=2000`,
      { logger },
    );
    const topic = uniqueName('kill');
    const seen = { u: new Set<number>(), o: new Set<number>() };
    for (const [group, ordering] of [
      ['u', 'none'],
      ['o', 'per-key'],
    ] as const) {
      const sub = await broker.consumer(topic, { group, ordering, retry: fast }).subscribe((e) => {
        seen[group].add((e.data as { n: number }).n);
      });
      sub.done.catch((err: unknown) => void died.push(err));
      subs.push(sub);
    }
    const producer = broker.producer(topic, {
      retry: { attempts: 120, backoff: 'fixed', initialDelayMs: 500, maxDelayMs: 500, jitter: 0 },
    });
    await producer.send(batch(0, 10));
    await until(() => seen.u.size >= 10 && seen.o.size >= 10, 30_000, 'the first 10 events in both groups');

    await emulator.kill();
    const during = producer.send(batch(10, 10)); // retried by EventPort until the emulator is back
    await sleep(3_000);
    const restartMs = await emulator.start();
    await expect(during).resolves.toHaveLength(10);
    // both receivers find their subscription gone and re-create it
    await until(
      async () =>
        (await raw.subscription(`${topic}.u`).exists())[0] &&
        (await raw.subscription(`${topic}.o`).exists())[0],
      60_000,
      'both subscriptions re-created',
    );
    await producer.send(batch(20, 20));
    const after = (s: Set<number>) => [...s].filter((n) => n >= 20).length;
    await until(() => after(seen.u) >= 20 && after(seen.o) >= 20, 60_000, 'the 20 events after the restart');

    expect(unhandled).toEqual([]);
    expect(died).toEqual([]);
    expect(warnings.some((w) => /receive failed/.test(w))).toBe(true);

    console.log(
      `emulator restart took ${restartMs} ms; events sent during the outage that reached the new subscriptions: unordered ${[...seen.u].filter((n) => n >= 10 && n < 20).length}/10, ordered ${[...seen.o].filter((n) => n >= 10 && n < 20).length}/10`,
    );
  } finally {
    await Promise.allSettled(subs.map((s) => s.close({ drainTimeoutMs: 1_000 })));
    await broker?.close();
    await raw.close();
    process.off('unhandledRejection', onUnhandled);
    await emulator.destroy();
  }
});
