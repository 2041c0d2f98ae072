/**
 * Push consumer.
 *  - A broker that delivers by push (Event Grid basic topics: the service POSTs each order to the
 *    HTTP endpoint the consumer serves) hands orders to the billing group's handler, which "bills"
 *    them. The billing service is down for the first two attempts of some orders (the handler
 *    throws: the endpoint answers so that the broker pushes again), and one order is poison (the
 *    handler dead-letters it: the endpoint answers so that the broker dead-letters it at once,
 *    never retried).
 *  - Written only against @eventport/core: it runs on whatever URL it is given. A pull-only broker
 *    (memory://, the default, among them) lacks `push`: the example prints the capability
 *    report's reason and exits 3. The tests start the Event Grid emulator and pass its URL.
 * Promise (exit code 0): every good order billed exactly once, each flaky one on its third
 * attempt, the poison order dead-lettered after one attempt and never billed.
 * Usage: node dist/main.js [url] [--orders N] [--flaky N]
 *   e.g. eventgrid://127.0.0.1:6500/orders?key=…&mode=basic
 */
import { connect, type Broker, type Event } from '@eventport/core';
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
  const broker = await connect(url);
  try {
    console.log(`connected to ${broker}; requires ${REQUIRES.join(', ')}`);
    if (!canRun(broker, REQUIRES)) {
      process.exitCode = EXIT_UNSUPPORTED;
      return;
    }
    await runOrders(broker, orderCount, flakyCount, startedAt);
  } finally {
    await broker.close();
  }
}

async function runOrders(broker: Broker, orderCount: number, flakyCount: number, startedAt: number) {
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
  v.finish('push-consumer', startedAt);
}

run('push-consumer', main);
