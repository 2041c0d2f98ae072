import { randomUUID } from 'node:crypto';
import {
  BrokerUnavailableError,
  EventTooLargeError,
  createEvent,
  type Event,
  type EventInput,
  type Receipt,
} from '@eventport/core';
import { eventSize } from '@eventport/core/driver';
import { CheckFailed, NotVerified, defineCheck, type CheckContext } from '../check.js';
import { tapDriver } from '../taps.js';
import { missingSeqs, seqOf, sleep, startPosition, subscribe, waitFor, within } from '../util.js';
import { numbered } from './events.js';

/** A reader that records every delivery by event id, with where it was stored. */
async function reader(ctx: CheckContext, topic: string, group = 'reader') {
  const copies = new Map<string, Set<string>>();
  const deliveries = new Map<string, number>();
  const events = new Map<string, Event>();
  const arrivedAt = new Map<string, number>();
  await subscribe(ctx, ctx.broker, topic, { group, from: startPosition(ctx) }, (e, d) => {
    events.set(e.id, e);
    if (!arrivedAt.has(e.id)) arrivedAt.set(e.id, Date.now());
    deliveries.set(e.id, (deliveries.get(e.id) ?? 0) + 1);
    // a stored copy is identified by partition+offset where the broker has them, else each delivery counts
    const where =
      d.offset !== undefined ? `${d.partition ?? ''}@${d.offset}` : `delivery-${deliveries.get(e.id)}`;
    const set = copies.get(e.id) ?? new Set<string>();
    set.add(where);
    copies.set(e.id, set);
  });
  return { copies, deliveries, events, arrivedAt };
}

const injected = (what: string): BrokerUnavailableError =>
  new BrokerUnavailableError(`conformance: injected ${what}`);

export const publishAtLeastOnce = defineCheck({
  id: 'publish-at-least-once',
  title: 'at-least-once publish: a send that fails transiently is retried until the broker has it',
  verifies: ['publish.at-least-once'],
  requires: ['pull', 'consume.at-least-once'],
  async run(ctx) {
    const topic = await ctx.topic('publish-alo');
    const r = await reader(ctx, topic);
    let calls = 0;
    const conn = await ctx.connect({
      wrapDriver: tapDriver({
        send: (_batch, send) =>
          ++calls <= 2 ? Promise.reject(injected('network failure before the send')) : send(),
      }),
    });
    const producer = conn.producer(topic, {
      retry: { initialDelayMs: ctx.timing.retryDelayMs, maxDelayMs: ctx.timing.retryDelayMs, jitter: 0 },
    });
    const events = numbered(10, 'conformance.publish-alo');
    const receipts = await within(
      producer.send(events),
      ctx.timing.timeoutMs,
      'sending through 2 injected failures',
    );
    await waitFor(() => receipts.every((x) => r.deliveries.has(x.id)), ctx.timing.timeoutMs, ctx.signal);
    const missing = receipts.filter((x) => !r.deliveries.has(x.id));
    const counts = { events: 10, driverSends: calls, injectedFailures: 2, arrived: 10 - missing.length };
    if (calls < 3)
      throw new CheckFailed(
        `the producer made ${calls} send attempts; it must retry after the 2 injected failures`,
        { counts },
      );
    if (missing.length > 0)
      throw new CheckFailed(`${missing.length} of 10 acknowledged sends never arrived`, {
        counts,
        firstBad: `event ${missing[0]!.id}`,
      });
    return { summary: `2 injected send failures retried (${calls} attempts); all 10 events arrived`, counts };
  },
});

export const publishAtMostOnce = defineCheck({
  id: 'publish-at-most-once',
  title: 'at-most-once publish: a failed send is reported, never retried',
  verifies: ['publish.at-most-once'],
  requires: ['pull', 'consume.at-least-once'],
  async run(ctx) {
    const topic = await ctx.topic('publish-amo');
    const r = await reader(ctx, topic);
    let calls = 0;
    const conn = await ctx.connect({
      wrapDriver: tapDriver({
        send: (_batch, send) =>
          ++calls === 1 ? Promise.reject(injected('network failure before the send')) : send(),
      }),
    });
    const producer = conn.producer(topic, { delivery: 'at-most-once' });
    const lost = createEvent({
      source: '/conformance/publish-amo',
      type: 'conformance.publish-amo',
      data: { seq: 0 },
    });
    let error: unknown;
    try {
      await within(producer.send(lost), ctx.timing.timeoutMs, 'the failing send');
    } catch (err) {
      error = err;
    }
    if (error === undefined)
      throw new CheckFailed('a send whose only attempt failed resolved; it must reject');
    if (error instanceof CheckFailed) throw error;
    if (calls !== 1)
      throw new CheckFailed(`the failed send was attempted ${calls} times; at-most-once sends once`, {
        counts: { driverSends: calls },
      });
    const ok = await within(
      producer.send({
        source: '/conformance/publish-amo',
        type: 'conformance.publish-amo',
        data: { seq: 1 },
      }),
      ctx.timing.timeoutMs,
      'the next send',
    );
    await waitFor(() => r.deliveries.has(ok.id), ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.quietMs, ctx.signal);
    const counts = { driverSends: calls, delivered: r.deliveries.size };
    if (!r.deliveries.has(ok.id))
      throw new CheckFailed('the send after the failure never arrived', { counts });
    if (r.deliveries.has(lost.id))
      throw new CheckFailed('the failed send arrived anyway: it was retried', {
        counts,
        firstBad: `event ${lost.id}`,
      });
    const code = (error as { code?: unknown }).code;
    return {
      summary: `failed send rejected (${String(code ?? (error as Error).name)}) after 1 attempt; the next send arrived once`,
      counts,
    };
  },
});

export const idempotentPublish = defineCheck({
  id: 'idempotent-publish',
  title:
    'idempotent publish: resending the same event (lost acknowledgement, producer restart) stores one copy',
  verifies: ['publish.idempotent'],
  requires: ['pull', 'consume.at-least-once'],
  async run(ctx) {
    const n = 50;
    const topic = await ctx.topic('idempotent');
    const r = await reader(ctx, topic);
    let calls = 0;
    let lostAcks = 0;
    const conn = await ctx.connect({
      wrapDriver: tapDriver({
        // the broker stores the batch, the acknowledgement is lost: the producer resends it
        send: async (_batch, send) => {
          const out = await send();
          if (++calls <= 2) {
            lostAcks++;
            throw injected('lost send acknowledgement');
          }
          return out;
        },
      }),
    });
    const retry = { initialDelayMs: ctx.timing.retryDelayMs, maxDelayMs: ctx.timing.retryDelayMs, jitter: 0 };
    const producer = conn.producer(topic, { delivery: 'exactly-once', retry, batch: { maxEvents: 10 } });
    const events = numbered(n, 'conformance.idempotent').map((e) => createEvent(e));
    await within(producer.send(events), ctx.timing.timeoutMs, 'sending');
    // an explicit resend through the same producer, then through a restarted one
    const resent: Receipt[] = await within(producer.send(events), ctx.timing.timeoutMs, 'resending');
    const restarted = ctx.broker.producer(topic, { delivery: 'exactly-once' });
    await within(
      restarted.send(events.filter((_, i) => i % 2 === 0)),
      ctx.timing.timeoutMs,
      'resending from a new producer',
    );
    await waitFor(() => events.every((e) => r.deliveries.has(e.id)), ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.quietMs, ctx.signal);
    const copies = events.map((e) => r.copies.get(e.id)?.size ?? 0);
    const sends = n + 2 * 10 + n + n / 2;
    const counts = {
      events: n,
      sends,
      lostAcks,
      storedCopies: copies.reduce((a, b) => a + b, 0),
      resendsFlaggedDuplicate: resent.filter((x) => x.duplicate).length,
    };
    const missing = copies.findIndex((c) => c === 0);
    if (missing >= 0) throw new CheckFailed(`event #${missing} never arrived`, { counts });
    const dup = copies.findIndex((c) => c > 1);
    if (dup >= 0)
      throw new CheckFailed(`${copies.filter((c) => c > 1).length} events were stored more than once`, {
        counts,
        firstBad: `event #${dup} (id ${events[dup]!.id}): ${copies[dup]} copies`,
      });
    if (lostAcks === 0) throw new NotVerified('the lost-acknowledgement resend could not be injected');
    return {
      summary: `${n} events sent ${sends} times (2 lost acks, explicit resends, a restarted producer): one copy each`,
      counts,
    };
  },
});

export const batchPublish = defineCheck({
  id: 'batch-publish',
  title: 'batch publish: many events go to the broker in one request',
  verifies: ['batch.publish'],
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const n = 200;
    const topic = await ctx.topic('batch-publish');
    const r = await reader(ctx, topic);
    const sizes: number[] = [];
    const conn = await ctx.connect({
      wrapDriver: tapDriver({ send: (batch, send) => (sizes.push(batch.length), send()) }),
    });
    const receipts = await within(
      conn.producer(topic).send(numbered(n, 'conformance.batch-publish')),
      ctx.timing.timeoutMs,
      'sending',
    );
    await waitFor(() => receipts.every((x) => r.deliveries.has(x.id)), ctx.timing.timeoutMs, ctx.signal);
    const arrived = receipts.filter((x) => r.deliveries.has(x.id)).length;
    const counts = { events: n, requests: sizes.length, largestBatch: Math.max(0, ...sizes), arrived };
    if (arrived < n) throw new CheckFailed(`${arrived} of ${n} batched events arrived`, { counts });
    if (Math.max(0, ...sizes) <= 1)
      throw new CheckFailed(`every request carried one event (${sizes.length} requests for ${n} events)`, {
        counts,
      });
    return {
      summary: `${n} events in ${sizes.length} request(s), largest ${Math.max(...sizes)}; all arrived`,
      counts,
    };
  },
});

export const batchConsume = defineCheck({
  id: 'batch-consume',
  title: 'batch consume: many events come from the broker in one request',
  verifies: ['batch.consume'],
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const n = 200;
    const topic = await ctx.topic('batch-consume');
    const sizes: number[] = [];
    const seen = new Set<number>();
    const conn = await ctx.connect({ wrapDriver: tapDriver({ received: (m) => void sizes.push(m.length) }) });
    await subscribe(ctx, conn, topic, { group: 'batch', from: startPosition(ctx) }, (e) => {
      seen.add(seqOf(e.data));
    });
    await within(
      ctx.broker.producer(topic).send(numbered(n, 'conformance.batch-consume')),
      ctx.timing.timeoutMs,
      'sending',
    );
    await waitFor(() => seen.size >= n, ctx.timing.timeoutMs, ctx.signal);
    const counts = {
      events: n,
      receives: sizes.length,
      largestReceive: Math.max(0, ...sizes),
      handled: seen.size,
    };
    if (seen.size < n)
      throw new CheckFailed(`${seen.size} of ${n} events arrived`, {
        counts,
        firstBad: `event #${missingSeqs(n, (s) => seen.has(s))[0]}`,
      });
    if (Math.max(0, ...sizes) <= 1)
      throw new CheckFailed(`every receive returned one event (${sizes.length} receives)`, { counts });
    return { summary: `${n} events in ${sizes.length} receive(s), largest ${Math.max(...sizes)}`, counts };
  },
});

export const maxEventSize = defineCheck({
  id: 'max-event-size',
  title: 'max size: an oversize event is rejected with EventTooLargeError before anything is sent',
  verifies: ['max-event-size'],
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const limit = ctx.capabilities.maxEventSize;
    if (!Number.isFinite(limit)) throw new NotVerified('the adapter declares no size limit');
    if (limit > 64 * 1024 * 1024)
      throw new NotVerified(`the declared limit (${limit} bytes) is too large to test in memory`);
    const topic = await ctx.topic('max-size');
    const r = await reader(ctx, topic);
    let sends = 0;
    const conn = await ctx.connect({ wrapDriver: tapDriver({ send: (_b, send) => (sends++, send()) }) });
    const producer = conn.producer(topic);
    const sized = (bytes: number): Event => {
      const base: EventInput = {
        source: '/conformance/max-size',
        type: 'conformance.max-size',
        datacontenttype: 'application/octet-stream',
      };
      const overhead = eventSize(
        createEvent({ ...base, id: 'x'.repeat(36), time: new Date(0), data: new Uint8Array(0) }),
      );
      const e = createEvent({
        ...base,
        id: 'x'.repeat(36),
        time: new Date(0),
        data: new Uint8Array(bytes - overhead).fill(0x61),
      });
      return createEvent({ ...e, id: randomUUID() });
    };
    const over = sized(limit + 1);
    let error: unknown;
    try {
      await within(producer.send(over), ctx.timing.timeoutMs, 'sending an oversize event');
    } catch (err) {
      error = err;
    }
    if (error === undefined)
      throw new CheckFailed(`an event of ${eventSize(over)} bytes (limit ${limit}) was accepted`, {
        counts: { size: eventSize(over), limit },
      });
    if (!(error instanceof EventTooLargeError))
      throw new CheckFailed('the oversize event was rejected without EventTooLargeError', {
        firstBad: String(error),
      });
    if (sends > 0)
      throw new CheckFailed(
        `the oversize event reached the driver (${sends} send calls) before it was rejected`,
      );
    if (error.maxSize !== limit)
      throw new CheckFailed(
        `EventTooLargeError names ${error.maxSize} bytes; the declared limit is ${limit}`,
      );
    const fits = sized(limit);
    if (eventSize(fits) !== limit)
      throw new NotVerified(`could not build an event of exactly ${limit} bytes (got ${eventSize(fits)})`);
    try {
      await within(producer.send(fits), ctx.timing.timeoutMs, `sending an event of exactly ${limit} bytes`);
    } catch (err) {
      throw new CheckFailed(`an event of exactly the declared limit (${limit} bytes) was refused`, {
        firstBad: String(err),
      });
    }
    await waitFor(() => r.events.has(fits.id), ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.quietMs, ctx.signal);
    const got = r.events.get(fits.id);
    if (got === undefined) throw new CheckFailed(`the event of exactly ${limit} bytes never arrived`);
    const data = got.data;
    if (!(data instanceof Uint8Array) || data.byteLength !== (fits.data as Uint8Array).byteLength) {
      throw new CheckFailed(`the event of exactly ${limit} bytes arrived with different data`);
    }
    if (r.events.has(over.id)) throw new CheckFailed('the rejected oversize event arrived anyway');
    return {
      summary: `${limit + 1} bytes → EventTooLargeError with no send; exactly ${limit} bytes arrived intact`,
      counts: { limit },
    };
  },
});

export const delayedDelivery = defineCheck({
  id: 'delayed-delivery',
  title: 'delayed delivery: an event sent with a delay is not delivered before it',
  verifies: ['delayed-delivery'],
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const n = 5;
    const declared = ctx.capabilities.get('delayed-delivery').limit;
    const delay = declared !== undefined ? Math.min(ctx.timing.delayMs, declared) : ctx.timing.delayMs;
    const topic = await ctx.topic('delayed');
    const r = await reader(ctx, topic);
    const producer = ctx.broker.producer(topic);
    const sentAt = Date.now();
    const delayed = await within(
      producer.send(numbered(n, 'conformance.delayed'), { delayMs: delay }),
      ctx.timing.timeoutMs,
      'sending delayed events',
    );
    const control = await within(
      producer.send({ source: '/eventport/conformance', type: 'conformance.not-delayed', data: { seq: n } }),
      ctx.timing.timeoutMs,
      'sending',
    );
    await waitFor(
      () => delayed.every((x) => r.arrivedAt.has(x.id)) && r.arrivedAt.has(control.id),
      ctx.timing.timeoutMs + delay,
      ctx.signal,
    );
    const waits = delayed.map((x) => (r.arrivedAt.get(x.id) ?? Number.NaN) - sentAt);
    const counts = { events: n, requestedMs: delay, arrived: waits.filter((w) => !Number.isNaN(w)).length };
    const early = waits.findIndex((w) => w < delay - 5);
    if (early >= 0)
      throw new CheckFailed(`delayed events arrived before the ${delay} ms delay`, {
        counts,
        firstBad: `event #${early} after ${waits[early]} ms`,
      });
    const missing = waits.findIndex((w) => Number.isNaN(w));
    if (missing >= 0)
      throw new CheckFailed(`${n - counts.arrived} of ${n} delayed events never arrived`, {
        counts,
        firstBad: `event #${missing}`,
      });
    if (!r.arrivedAt.has(control.id))
      throw new CheckFailed('the event sent without a delay never arrived', { counts });
    return {
      summary: `${n} events sent with ${delay} ms arrived after ${Math.min(...waits)}–${Math.max(...waits)} ms`,
      counts,
    };
  },
});
