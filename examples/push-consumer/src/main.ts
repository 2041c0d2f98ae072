/**
 * Push consumer.
 *  - An Event Grid basic topic pushes each order to EventPort's HTTP endpoint (the listener the
 *    consumer starts); the handler "bills" it. The billing service is down for the first two
 *    attempts of some orders (the handler throws: EventPort answers 503, the service pushes again),
 *    one order is poison (the handler dead-letters it: EventPort answers 400, the service
 *    dead-letters it at once, never retried), and a forged push without the secret is refused (401).
 *  - With no Event Grid URL (memory://, the examples' default) the Event Grid emulator runs
 *    in-process: push delivery needs a broker that pushes.
 * Promise (exit code 0): every good order billed exactly once, each flaky one on its third attempt,
 * the poison order dead-lettered after one attempt (with the reason in the log), the forged push
 * answered 401 without reaching the handler.
 * Usage: node dist/main.js [eventgrid://HOST:PORT/TOPIC?key=…&mode=basic] [--orders N] [--flaky N]
 */
import { connect, type Broker, type Event } from '@eventport/core';
import '@eventport/eventgrid';
import { startEmulator, type RunningEmulator } from '@eventport/eventgrid-emulator';
import {
  canRun,
  commandLine,
  EXIT_UNSUPPORTED,
  numberOption,
  run,
  RUN_ID,
  sleep,
  Verdict,
  waitUntil,
} from '@eventport/example-support';

/** What the example needs from the broker, and why (see README). */
const REQUIRES = ['push', 'consume.at-least-once', 'dead-letter'];

interface Order {
  readonly orderId: string;
  readonly total: number;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({ orders: { type: 'string' }, flaky: { type: 'string' } });
  const orderCount = numberOption(values.orders, 'orders', 12, 2);
  const flakyCount = Math.min(numberOption(values.flaky, 'flaky', 3), orderCount - 1);
  let emulator: RunningEmulator | undefined;
  let target = url;
  if (url.startsWith('memory:')) {
    emulator = await startEmulator({ port: 0, log: () => undefined });
    target = `eventgrid://${new URL(emulator.url).host}/orders?key=${emulator.key}&mode=basic`;
    console.log(`push needs a broker that pushes: started the Event Grid emulator at ${emulator.url}`);
  }
  let broker: Broker | undefined;
  try {
    broker = await connect(target);
    console.log(`connected to ${broker}; requires ${REQUIRES.join(', ')}`);
    if (!canRun(broker, REQUIRES)) {
      process.exitCode = EXIT_UNSUPPORTED;
      return;
    }
    await runOrders(broker, target, orderCount, flakyCount, startedAt);
  } finally {
    await broker?.close();
    await emulator?.close();
  }
}

async function runOrders(
  broker: Broker,
  target: string,
  orderCount: number,
  flakyCount: number,
  startedAt: number,
) {
  const topic = `orders-${RUN_ID}`;
  const poisonId = `order-${orderCount}`;
  const flaky = new Set(Array.from({ length: flakyCount }, (_, i) => `order-${i + 1}`));
  const billed = new Map<string, number>(); // orderId -> times billed
  const attempts = new Map<string, number[]>();
  const billing = await broker
    .consumer(topic, { group: 'billing', require: REQUIRES, retry: { attempts: 4, initialDelayMs: 10 } })
    .subscribe(async (event: Event, ctx) => {
      const order = event.data as Order;
      attempts.set(order.orderId, [...(attempts.get(order.orderId) ?? []), ctx.attempt]);
      if (order.orderId === poisonId) return ctx.deadLetter(`order ${order.orderId} has a negative total`);
      if (flaky.has(order.orderId) && ctx.attempt < 3) throw new Error('billing service unavailable');
      billed.set(order.orderId, (billed.get(order.orderId) ?? 0) + 1);
    });

  const producer = broker.producer(topic);
  for (let i = 1; i <= orderCount; i++) {
    const order: Order = { orderId: `order-${i}`, total: i === orderCount ? -5 : 10 * i };
    await producer.send({ type: 'order.created', source: '/shop', subject: order.orderId, data: order });
  }
  console.log(`published ${orderCount} orders (${flakyCount} hit a billing outage, 1 poison)`);

  const goodCount = orderCount - 1;
  await waitUntil(() => billed.size >= goodCount && attempts.has(poisonId), 30_000);
  const forged = await forgedPush(target, topic);
  await sleep(500); // a late duplicate or a retried poison order would show up now
  await billing.close({ drainTimeoutMs: 5_000 });

  for (const [id, list] of [...attempts].sort()) console.log(`  ${id}: attempts ${list.join(', ')}`);
  const v = new Verdict();
  v.check(billed.size === goodCount, `every good order billed (${billed.size}/${goodCount})`);
  v.check(
    [...billed.values()].every((n) => n === 1),
    'no order billed twice',
  );
  v.check(
    [...flaky].every((id) => attempts.get(id)?.join(',') === '1,2,3'),
    'each order hit by the outage was pushed again and billed on its third attempt',
  );
  v.check(
    attempts.get(poisonId)?.join(',') === '1',
    'the poison order was dead-lettered on its first attempt, never retried',
  );
  v.check(!billed.has(poisonId), 'the poison order was not billed');
  if (forged === -1)
    console.log('  (forged push not tried: no emulator admin API to find the webhook on this broker)');
  else v.check(forged === 401, `a forged push without the secret was refused (HTTP ${forged})`);
  v.check(!attempts.has('forged'), 'the forged order never reached the handler');
  v.finish('push-consumer', startedAt);
}

/**
 * Posts a forged order to the consumer's webhook without the secret. On the emulator the webhook
 * URL is read from its admin API (the secret stripped); elsewhere the check is skipped (-1).
 */
async function forgedPush(target: string, topic: string): Promise<number> {
  const host = new URL(target.replace(/^eventgrid:/, 'http:')).host;
  const admin = await fetch(`http://${host}/admin`).catch(() => undefined);
  if (admin === undefined || !admin.ok) return -1;
  const state = (await admin.json()) as {
    topics: { name: string; eventSubscriptions: { name: string; endpointUrl: string }[] }[];
  };
  const hook = state.topics
    .find((t) => t.name === topic)
    ?.eventSubscriptions.find((s) => s.name === 'billing');
  if (hook === undefined) return -1;
  const webhook = new URL(hook.endpointUrl);
  webhook.search = '';
  const res = await fetch(webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', 'aeg-event-type': 'Notification' },
    body: JSON.stringify({
      specversion: '1.0',
      id: 'forged',
      source: '/evil',
      type: 'order.created',
      data: { orderId: 'forged', total: 1 },
    }),
  });
  return res.status;
}

run('push-consumer', main);
