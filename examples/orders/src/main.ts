/**
 * The EventPort demo on the embedded broker (no infrastructure needed):
 *  - an order service publishes 20 `order.created` events keyed by customer;
 *  - two consumer groups fan out: billing charges each order, shipping packs it;
 *  - one poison order (negative amount) fails billing, is retried with backoff
 *    and then dead-lettered with the reason;
 *  - the broker's capability report is printed at the end.
 * Run: npm start (or EVENTPORT_URL=kafka://127.0.0.1:9092 npm start for a real broker).
 */
import { connect, type Event } from '@eventport/core';
import { charge, sampleOrders, type Order } from './orders.js';

const ORDER_COUNT = 20;
const POISON_INDEX = 13;

async function main(): Promise<void> {
  const url = process.env.EVENTPORT_URL ?? 'memory://demo';
  const broker = await connect(url);
  console.log(`connected to ${broker}`);
  const topic = `orders-${Date.now().toString(36)}`;
  await broker.createTopic(topic).catch(() => undefined);

  let revenue = 0;
  const shipped: string[] = [];
  const billing = await broker
    .consumer(topic, {
      group: 'billing',
      from: 'earliest',
      require: ['order.per-key', 'dead-letter'],
      concurrency: 8,
      retry: { attempts: 3, backoff: 'exponential', initialDelayMs: 20 },
      deadLetter: `${topic}.dlq`,
    })
    .subscribe((event: Event, ctx) => {
      const order = event.data as Order;
      if (ctx.attempt > 1) console.log(`  billing   retry #${ctx.attempt - 1} of ${order.orderId}`);
      revenue += charge(order);
    });
  const shipping = await broker
    .consumer(topic, { group: 'shipping', from: 'earliest', concurrency: 4 })
    .subscribe((event: Event) => {
      shipped.push((event.data as Order).orderId);
    });

  const orders = broker.producer(topic, { delivery: 'at-least-once' });
  const receipts = await orders.send(
    sampleOrders(ORDER_COUNT, POISON_INDEX).map((order) => ({
      type: 'order.created',
      source: '/demo/order-service',
      subject: order.orderId,
      key: order.customer,
      data: order,
    })),
  );
  console.log(`order service published ${receipts.length} orders to "${topic}"`);

  const deadLetters = await waitForDeadLetter(broker, `${topic}.dlq`);
  await waitUntil(() => shipped.length === ORDER_COUNT && billing.stats.handled === ORDER_COUNT - 1, 10_000);
  await Promise.all([billing.close({ drainTimeoutMs: 5_000 }), shipping.close({ drainTimeoutMs: 5_000 })]);

  console.log(`billing   charged ${billing.stats.handled} orders, revenue ${(revenue / 100).toFixed(2)}`);
  console.log(`shipping  packed ${shipped.length} orders`);
  for (const dl of deadLetters) {
    console.log(
      `dead-letter ${String(dl.subject)} after ${String(dl.extensions.deadletterattempts)} attempts: ${String(dl.extensions.deadletterreason)}`,
    );
  }
  console.log('');
  console.log(broker.capabilities.toTable());
  await broker.close();
  if (deadLetters.length !== 1 || shipped.length !== ORDER_COUNT) {
    throw new Error('demo did not reach its expected outcome');
  }
}

/** Reads the dead-letter topic until one event arrives (bounded). */
async function waitForDeadLetter(broker: Awaited<ReturnType<typeof connect>>, dlq: string): Promise<Event[]> {
  const got: Event[] = [];
  const sub = await broker.consumer(dlq, { group: 'ops', from: 'earliest' }).subscribe((e: Event) => {
    got.push(e);
  });
  await waitUntil(() => got.length > 0, 10_000);
  await sub.close();
  return got;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `demo failed: ${err.message}` : err);
  process.exitCode = 1;
});
