/**
 * Orders, the demo behind `npm start`.
 *  - An order service publishes N `order.created` events keyed by customer.
 *  - Two consumer groups each get every order (fan-out): billing invoices each order, numbering a
 *    customer's invoices in the order the orders were placed (per-key order); shipping packs it.
 *  - One poison order (a negative amount) fails billing, is retried with backoff and then
 *    dead-lettered with the reason; operations read it from the dead-letter topic.
 *  - The broker's capability report is printed at the end.
 * Promise (exit code 0): every order packed; every good order billed, the poison one never; each
 * customer's invoices in the order placed; the poison order dead-lettered once, with its reason,
 * after its retry budget. Exit code 3 where the broker lacks a required guarantee (with the
 * capability report's reasons), 1 when a check fails.
 * Usage: node dist/main.js [url] [--orders N]
 */
import { connect, DEAD_LETTER_REASON, type Broker, type ConsumerOptions, type Event } from '@eventport/core';
import {
  canRun,
  commandLine,
  ensureTopic,
  EXIT_UNSUPPORTED,
  numberOption,
  run,
  RUN_ID,
  sleep,
  Verdict,
  waitUntil,
} from '@eventport/example-support';
import { charge, sampleOrders, type Order } from './orders.js';

/** Billing: every order (fan-out), a customer's orders in order (per-key), poison out (dead-letter). */
const BILLING_REQUIRES = ['fan-out', 'order.per-key', 'dead-letter'];
/** Shipping: every order too, alongside billing. */
const SHIPPING_REQUIRES = ['fan-out', 'consume.at-least-once'];
const RETRY_ATTEMPTS = 3;

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({ orders: { type: 'string' } });
  const count = numberOption(values.orders, 'orders', 20, 2);
  const broker = await connect(url);
  try {
    console.log(`connected to ${broker}`);
    console.log(`billing requires ${BILLING_REQUIRES.join(', ')}; shipping ${SHIPPING_REQUIRES.join(', ')}`);
    if (!canRun(broker, [...new Set([...BILLING_REQUIRES, ...SHIPPING_REQUIRES])])) {
      process.exitCode = EXIT_UNSUPPORTED;
      return;
    }
    await runOrders(broker, count, startedAt);
    console.log('');
    console.log(broker.capabilities.toTable());
  } finally {
    await broker.close();
  }
}

async function runOrders(broker: Broker, count: number, startedAt: number): Promise<void> {
  const topic = `orders-${RUN_ID}`;
  const dlq = `${topic}.dlq`;
  for (const t of [topic, dlq]) await ensureTopic(broker, t);
  const orders = sampleOrders(count, Math.floor(count * 0.65));
  const poison = orders.find((o) => o.amountCents < 0)!;

  const invoices = new Map<string, string[]>(); // customer -> order ids, in the order invoiced
  const billed = new Map<string, number>(); // order id -> times billed
  let poisonAttempts = 0;
  let revenue = 0;
  const billingOptions: ConsumerOptions = {
    group: 'billing',
    from: 'earliest',
    require: BILLING_REQUIRES,
    concurrency: 8,
    retry: { attempts: RETRY_ATTEMPTS, backoff: 'exponential', initialDelayMs: 20 },
    deadLetter: dlq,
  };
  const shipped = new Set<string>();
  const deadLetters: Event[] = [];
  // Every group subscribes before the first order is published: where a group is a subscription
  // (Pub/Sub, Event Grid), it holds only what was published after it existed.
  const subs = [
    await broker.consumer(topic, billingOptions).subscribe((event: Event, ctx) => {
      const order = event.data as Order;
      if (order.orderId === poison.orderId) poisonAttempts = Math.max(poisonAttempts, ctx.attempt);
      if (ctx.attempt > 1) console.log(`  billing   retry #${ctx.attempt - 1} of ${order.orderId}`);
      const cents = charge(order); // throws for the poison order: retried, then dead-lettered
      const times = (billed.get(order.orderId) ?? 0) + 1;
      billed.set(order.orderId, times);
      if (times > 1) return; // a redelivery (at-least-once): invoiced already
      revenue += cents;
      invoices.set(order.customer, [...(invoices.get(order.customer) ?? []), order.orderId]);
    }),
    await broker
      .consumer(topic, { group: 'shipping', from: 'earliest', require: SHIPPING_REQUIRES, concurrency: 4 })
      .subscribe((event: Event) => void shipped.add((event.data as Order).orderId)),
    await broker
      .consumer(dlq, { group: 'ops', from: 'earliest' })
      .subscribe((event: Event) => void deadLetters.push(event)),
  ];

  const receipts = await broker.producer(topic, { delivery: 'at-least-once' }).send(
    orders.map((order) => ({
      type: 'order.created',
      source: '/demo/order-service',
      subject: order.orderId,
      key: order.customer,
      data: order,
    })),
  );
  console.log(`order service published ${receipts.length} orders to "${topic}"`);

  const good = orders.filter((o) => o !== poison);
  await waitUntil(
    () => shipped.size >= count && good.every((o) => billed.has(o.orderId)) && deadLetters.length >= 1,
    60_000,
  );
  await sleep(300); // a stray second dead letter would show up here
  await Promise.all(subs.map((s) => s.close({ drainTimeoutMs: 5_000 })));

  console.log(`billing   invoiced ${billed.size} orders, revenue ${(revenue / 100).toFixed(2)}`);
  console.log(`shipping  packed ${shipped.size} orders`);
  for (const dl of deadLetters)
    console.log(`dead-letter ${String(dl.subject)}: ${String(dl.extensions[DEAD_LETTER_REASON])}`);
  const redelivered = [...billed.values()].filter((n) => n > 1).length;
  if (redelivered > 0)
    console.log(`  (${redelivered} orders delivered to billing again and not re-invoiced)`);

  const v = new Verdict();
  v.check(
    orders.every((o) => shipped.has(o.orderId)),
    `shipping packed every order (${shipped.size}/${count})`,
  );
  v.check(
    good.every((o) => billed.has(o.orderId)),
    `billing invoiced every good order (${good.filter((o) => billed.has(o.orderId)).length}/${good.length})`,
  );
  v.check(!billed.has(poison.orderId), `the poison order ${poison.orderId} was never invoiced`);
  const placed = (customer: string): string[] =>
    good.filter((o) => o.customer === customer).map((o) => o.orderId);
  v.check(
    [...invoices].every(([customer, ids]) => ids.join() === placed(customer).join()),
    "each customer's invoices are in the order the orders were placed",
  );
  v.check(
    poisonAttempts === RETRY_ATTEMPTS,
    `the poison order was tried ${RETRY_ATTEMPTS} times before it was dead-lettered (${poisonAttempts})`,
  );
  v.check(
    deadLetters.length === 1 &&
      deadLetters[0]!.subject === poison.orderId &&
      String(deadLetters[0]!.extensions[DEAD_LETTER_REASON]).includes('negative amount'),
    'the poison order was dead-lettered once, with the reason',
  );
  v.finish('orders', startedAt);
}

run('orders', main);
