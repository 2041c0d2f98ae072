/**
 * Request-response over events (for the cases that still need an answer): a checkout asks the
 * pricing service for quotes.
 *  - The checkout uses core's `requester`: it sends `quote.requested` events with `replyto` (its
 *    own reply topic) and a `correlationid`, many at once, and waits for each reply with a timeout.
 *  - The pricing service (a consumer group) computes the price and answers with core's `reply`,
 *    which sends to `replyto` with the correlation id. One item is deliberately slow: its request
 *    times out, and its late reply is recognised as matching nothing and dropped.
 * Promise (exit code 0): every other request got its own reply (the price for its own item and
 * quantity: correlation under interleaving), the slow one was rejected with a timeout in time.
 * Usage: node dist/main.js [url] [--requests N] [--timeout-ms MS]
 */
import { connect, reply, requester, RequestTimeoutError, type Event } from '@eventport/core';
import {
  commandLine,
  ensureTopic,
  numberOption,
  run,
  RUN_ID,
  sleep,
  Verdict,
  waitUntil,
} from '@eventport/example-support';

/** What the pricing service and the requester need, and why (see README). */
const REQUIRES = ['consume.at-least-once', 'publish.at-least-once'];
const SLOW_SKU = 'sku-slow';

interface QuoteRequest {
  readonly sku: string;
  readonly quantity: number;
}
interface Quote {
  readonly sku: string;
  readonly quantity: number;
  readonly totalCents: number;
}

const unitPrice = (sku: string): number =>
  100 + ([...sku].reduce((h, c) => h * 31 + c.charCodeAt(0), 7) % 900);

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({ requests: { type: 'string' }, 'timeout-ms': { type: 'string' } });
  const count = numberOption(values.requests, 'requests', 50, 1);
  const timeoutMs = numberOption(values['timeout-ms'], 'timeout-ms', 5_000, 1);
  const broker = await connect(url);
  console.log(`connected to ${broker}; requires ${REQUIRES.join(', ')}`);
  const requests = `quote-requests-${RUN_ID}`;
  const replies = `quote-replies-${RUN_ID}`;
  await ensureTopic(broker, requests);
  await ensureTopic(broker, replies);

  // The pricing service.
  const pricing = await broker
    .consumer(requests, {
      group: 'pricing',
      from: 'earliest',
      require: REQUIRES,
      ordering: 'none',
      concurrency: 16,
    })
    .subscribe(async (event: Event, delivery) => {
      const q = event.data as QuoteRequest;
      await sleep(q.sku === SLOW_SKU ? timeoutMs + 500 : 5 + (q.quantity % 20)); // varied: replies interleave
      const quote: Quote = { sku: q.sku, quantity: q.quantity, totalCents: unitPrice(q.sku) * q.quantity };
      await reply(delivery, { type: 'quote.replied', source: '/pricing', subject: event.id, data: quote });
    });

  // The checkout: all requests at once, plus one for the slow item.
  const checkout = await requester(broker, { requestTopic: requests, replyTopic: replies, timeoutMs });
  const asked: QuoteRequest[] = Array.from({ length: count }, (_, i) => ({
    sku: `sku-${i % 7}`,
    quantity: 1 + i,
  }));
  const t0 = Date.now();
  const slow = checkout
    .request({ type: 'quote.requested', source: '/checkout', data: { sku: SLOW_SKU, quantity: 1 } })
    .then(
      () => 'answered',
      (err: unknown) =>
        err instanceof RequestTimeoutError ? `timed out after ${Date.now() - t0} ms` : String(err),
    );
  const outcomes = await Promise.allSettled(
    asked.map((q) => checkout.request({ type: 'quote.requested', source: '/checkout', data: q })),
  );
  const answeredMs = Date.now() - t0;
  const slowOutcome = await slow;
  const slowMs = Date.now() - t0;
  // The slow reply still comes, late: it must match nothing.
  const late = await waitUntil(() => checkout.unmatchedReplies >= 1, timeoutMs + 5_000);
  await checkout.close();
  await pricing.close({ drainTimeoutMs: 5_000 });
  await broker.close();

  let correct = 0;
  outcomes.forEach((o, i) => {
    const q = asked[i]!;
    if (o.status !== 'fulfilled') return;
    const quote = o.value.data as Quote;
    if (
      quote.sku === q.sku &&
      quote.quantity === q.quantity &&
      quote.totalCents === unitPrice(q.sku) * q.quantity
    )
      correct++;
  });
  const failed = outcomes.filter((o) => o.status === 'rejected');
  for (const f of failed.slice(0, 3))
    console.log(`  request failed: ${String((f as PromiseRejectedResult).reason)}`);
  console.log(`${count} requests answered in ${answeredMs} ms; the slow one: ${slowOutcome}`);
  console.log(`late replies dropped: ${checkout.unmatchedReplies}`);
  const v = new Verdict();
  v.check(correct === count, `every request got its own reply (${correct}/${count})`);
  v.check(
    slowOutcome.startsWith('timed out') && slowMs < timeoutMs + 2_000,
    `the slow request timed out in time (${slowMs} ms, timeout ${timeoutMs} ms)`,
  );
  v.check(late, 'its late reply matched nothing and was dropped');
  v.finish('request-response', startedAt);
}

run('request-response', main);
