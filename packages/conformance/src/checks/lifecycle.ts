import {
  ClosedError,
  ConfigError,
  GUARANTEE_NAMES,
  TopicNotFoundError,
  UnsupportedGuaranteeError,
  type Broker,
  type Event,
} from '@eventport/core';
import { CheckFailed, NotVerified, defineCheck } from '../check.js';
import { sleep, startPosition, subscribe, uniqueSuffix, waitFor, within } from '../util.js';

/** Resolves to the rejection of `p` (or fails the check when it resolves). */
async function rejection(
  p: Promise<unknown> | (() => unknown),
  what: string,
  timeoutMs: number,
): Promise<unknown> {
  try {
    const r = typeof p === 'function' ? p() : p;
    await within(Promise.resolve(r), timeoutMs, what);
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    return err;
  }
  throw new CheckFailed(`${what} succeeded; it must fail`);
}

function describeError(err: unknown): string {
  if (err instanceof Error)
    return `${err.name}${'code' in err ? ` [${String((err as { code: unknown }).code)}]` : ''}: ${err.message}`;
  return String(err);
}

export const lifecycle = defineCheck({
  id: 'lifecycle',
  title: 'lifecycle: close flushes, send after close fails, close twice is safe',
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const t = ctx.timing.timeoutMs;
    const topic = await ctx.topic('lifecycle');
    const got = new Set<string>();
    const sub = await subscribe(
      ctx,
      ctx.broker,
      topic,
      { group: 'lifecycle', from: startPosition(ctx) },
      (e) => {
        got.add(e.id);
      },
    );
    // close() flushes what was sent before it
    const producer = ctx.broker.producer(topic);
    const pending = Array.from({ length: 10 }, (_, i) =>
      producer.send({ source: '/conformance/lifecycle', type: 'conformance.lifecycle', data: { seq: i } }),
    );
    await within(producer.close(), t, 'producer.close()');
    const receipts = await within(Promise.allSettled(pending), t, 'sends pending at close');
    const lost = receipts.filter((r) => r.status === 'rejected');
    if (lost.length > 0) {
      throw new CheckFailed(`${lost.length} of 10 sends pending at close() failed; close must flush them`, {
        firstBad: describeError((lost[0] as PromiseRejectedResult).reason),
      });
    }
    // send after close
    const err = await rejection(
      () => producer.send({ source: '/x', type: 'after.close' }),
      'send after producer.close()',
      t,
    );
    if (!(err instanceof ClosedError))
      throw new CheckFailed('send after close failed with the wrong error', { firstBad: describeError(err) });
    await within(producer.close(), t, 'a second producer.close()');
    const ids = receipts.map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id);
    await waitFor(() => ids.every((id) => got.has(id)), t, ctx.signal);
    const missing = ids.filter((id) => !got.has(id));
    if (missing.length > 0)
      throw new CheckFailed(`${missing.length} of 10 events flushed by close() never arrived`, {
        firstBad: `event ${missing[0]}`,
      });
    // subscription: close twice, done resolves
    await within(sub.close({ drainTimeoutMs: 1_000 }), t, 'subscription.close()');
    await within(sub.close(), t, 'a second subscription.close()');
    await within(sub.done, t, 'subscription.done after close');
    // a consumer subscribes once
    // the same group: a second group on one topic would need fan-out
    const consumer = ctx.broker.consumer(topic, { group: 'lifecycle', from: startPosition(ctx) });
    const first = await within(
      consumer.subscribe(() => undefined),
      t,
      'subscribe',
    );
    ctx.defer(() => first.close({ drainTimeoutMs: 0 }));
    const again = await rejection(
      () => consumer.subscribe(() => undefined),
      'a second subscribe() on one consumer',
      t,
    );
    if (!(again instanceof ClosedError))
      throw new CheckFailed('a second subscribe failed with the wrong error', {
        firstBad: describeError(again),
      });
    // broker: close twice, use after close
    const other = await ctx.connect();
    await within(other.close(), t, 'broker.close()');
    await within(other.close(), t, 'a second broker.close()');
    const afterClose = await rejection(
      () => other.producer(topic),
      'broker.producer() after broker.close()',
      t,
    );
    if (!(afterClose instanceof ClosedError))
      throw new CheckFailed('using a closed broker failed with the wrong error', {
        firstBad: describeError(afterClose),
      });
    return {
      summary:
        'close flushed 10 pending sends; send after close → ClosedError; double close of producer, subscription and broker is safe',
    };
  },
});

export const declaredUnsupported = defineCheck({
  id: 'declared-unsupported',
  title: 'declarations: requiring a guarantee the broker declares unsupported fails at creation',
  async run(ctx) {
    const topic = await ctx.topic('declared');
    const unsupported = GUARANTEE_NAMES.filter((g) => !ctx.capabilities.supports(g));
    for (const g of unsupported) {
      for (const [kind, make] of [
        ['consumer', () => ctx.broker.consumer(topic, { require: [g] })],
        ['producer', () => ctx.broker.producer(topic, { require: [g] })],
      ] as const) {
        let err: unknown;
        try {
          make();
        } catch (e) {
          err = e;
        }
        if (!(err instanceof UnsupportedGuaranteeError)) {
          throw new CheckFailed(
            `a ${kind} requiring "${g}" (declared unsupported) was not refused with UnsupportedGuaranteeError`,
            {
              firstBad: err === undefined ? `${kind} created` : describeError(err),
            },
          );
        }
        if (!err.missing.some((m) => m.guarantee === g)) {
          throw new CheckFailed(`UnsupportedGuaranteeError does not name "${g}"`, { firstBad: err.message });
        }
      }
    }
    let unknown: unknown;
    try {
      ctx.broker.consumer(topic, { require: ['no-such-guarantee'] });
    } catch (e) {
      unknown = e;
    }
    if (!(unknown instanceof UnsupportedGuaranteeError)) {
      throw new CheckFailed('requiring an unknown guarantee was not refused', {
        firstBad: unknown === undefined ? 'consumer created' : describeError(unknown),
      });
    }
    return {
      summary: unsupported.length
        ? `require refused for each of ${unsupported.length} unsupported guarantees (${unsupported.join(', ')}) and an unknown one`
        : 'nothing declared unsupported; an unknown guarantee is refused',
      counts: { unsupported: unsupported.length },
    };
  },
});

export const missingTopic = defineCheck({
  id: 'missing-topic',
  title: 'errors: a missing topic gives TopicNotFoundError on send and on subscribe',
  requires: ['publish.at-least-once'],
  async run(ctx) {
    const t = ctx.timing.timeoutMs;
    if (ctx.harness.connectStrict === undefined)
      throw new NotVerified('the harness has no connection that leaves missing topics uncreated');
    let strict: Broker;
    try {
      strict = await within(ctx.harness.connectStrict(), t, 'connecting without topic auto-creation');
    } catch (err) {
      if (err instanceof ConfigError)
        throw new NotVerified(`the adapter cannot turn off topic auto-creation: ${err.message}`);
      throw err;
    }
    ctx.defer(() => strict.close());
    const topic = `conformance-missing-${uniqueSuffix()}`;
    ctx.ownTopic(topic);
    const sendErr = await rejection(
      () => strict.producer(topic).send({ source: '/conformance/missing', type: 'conformance.missing' }),
      `send to missing topic "${topic}"`,
      t,
    );
    if (!(sendErr instanceof TopicNotFoundError) || sendErr.code !== 'TOPIC_NOT_FOUND') {
      throw new CheckFailed('send to a missing topic failed without TopicNotFoundError', {
        firstBad: describeError(sendErr),
      });
    }
    let subscribed = 'not tried (pull unsupported)';
    if (ctx.capabilities.supports('pull') && ctx.capabilities.supports('consume.at-least-once')) {
      const subErr = await rejection(
        async () => {
          const s = await strict.consumer(topic, { group: 'missing' }).subscribe(() => undefined);
          ctx.defer(() => s.close({ drainTimeoutMs: 0 }));
        },
        `subscribe to missing topic "${topic}"`,
        t,
      );
      if (!(subErr instanceof TopicNotFoundError)) {
        throw new CheckFailed('subscribe to a missing topic failed without TopicNotFoundError', {
          firstBad: describeError(subErr),
        });
      }
      subscribed = 'TopicNotFoundError';
    }
    return { summary: `send → TopicNotFoundError; subscribe → ${subscribed}` };
  },
});

export const cancellation = defineCheck({
  id: 'cancellation',
  title: 'cancellation: aborting the AbortSignal stops a subscription',
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const t = ctx.timing.timeoutMs;
    const topic = await ctx.topic('cancel');
    const producer = ctx.broker.producer(topic);
    const send = (from: number, n: number): Promise<unknown> =>
      within(
        producer.send(
          Array.from({ length: n }, (_, i) => ({
            source: '/conformance/cancel',
            type: 'conformance.cancel',
            data: { seq: from + i },
          })),
        ),
        t,
        'sending',
      );
    const handled: Event[] = [];
    const abort = new AbortController();
    const sub = await subscribe(
      ctx,
      ctx.broker,
      topic,
      { group: 'cancel', from: startPosition(ctx), signal: abort.signal },
      (e) => {
        handled.push(e);
      },
    );
    await send(0, 5);
    if (!(await waitFor(() => handled.length >= 5, t, ctx.signal)))
      throw new CheckFailed(`${handled.length} of 5 events handled before abort`);
    abort.abort();
    await within(sub.done, t, 'the subscription ending after abort()');
    const before = handled.length;
    await send(5, 5);
    await sleep(ctx.timing.quietMs, ctx.signal);
    if (handled.length > before) {
      throw new CheckFailed(`${handled.length - before} events were handled after the signal aborted`, {
        firstBad: `event ${handled[before]!.id}`,
      });
    }
    // an already-aborted signal: the subscription ends at once
    const late = await subscribe(
      ctx,
      ctx.broker,
      topic,
      { group: 'cancel', from: startPosition(ctx), signal: AbortSignal.abort() },
      (e) => {
        handled.push(e);
      },
    );
    await within(late.done, t, 'a subscription opened with an aborted signal ending');
    return {
      summary:
        'abort() ended the subscription; nothing handled afterwards; an aborted signal ends it at once',
    };
  },
});

export const escapeHatch = defineCheck({
  id: 'escape-hatch',
  title: 'escape hatch: broker.raw() returns the native client',
  async run(ctx) {
    const raw = ctx.broker.raw();
    if (raw === undefined || raw === null) throw new CheckFailed('raw() returned nothing');
    if (typeof raw !== 'object' && typeof raw !== 'function')
      throw new CheckFailed(`raw() returned a ${typeof raw}`);
    if (raw === ctx.broker) throw new CheckFailed('raw() returned the EventPort broker itself');
    if (ctx.broker.raw() !== raw)
      throw new CheckFailed('raw() returned a different object on the second call');
    const name = (raw as { constructor?: { name?: string } }).constructor?.name ?? typeof raw;
    if (ctx.harness.isNativeClient !== undefined && !ctx.harness.isNativeClient(raw)) {
      throw new CheckFailed(`raw() returned ${name}, which the harness does not accept as the native client`);
    }
    return {
      summary: `raw() returned ${name}${ctx.harness.isNativeClient ? ' (accepted by the harness)' : ''}`,
    };
  },
});
