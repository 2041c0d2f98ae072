/**
 * requester() / reply(): request-response over events on the embedded broker (memory://).
 */
import { connect } from '../src/api/connect.js';
import type { Broker } from '../src/api/broker.js';
import type { Subscription } from '../src/api/subscription.js';
import { ClosedError, ConfigError, InvalidEventError } from '../src/errors/errors.js';
import type { Event } from '../src/event/types.js';
import {
  CORRELATION_ID,
  REPLY_TO,
  reply,
  requester,
  RequestTimeoutError,
  type Requester,
} from '../src/patterns/request-reply.js';
import '@eventport/memory';
import { RecordingLogger, uniqueName, waitFor } from './helpers/fakes.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
});

async function memory(): Promise<Broker> {
  const b = await connect(`memory://${uniqueName('rr')}`, { logger: new RecordingLogger(), tracing: false });
  closers.push(() => b.close());
  return b;
}

async function open(broker: Broker, timeoutMs = 2_000): Promise<Requester> {
  const r = await requester(broker, { requestTopic: 'quotes', replyTopic: 'quote-replies', timeoutMs });
  closers.push(() => r.close());
  return r;
}

/** A responder that doubles `n`, after `delayMs(n)`; `skip(n)` answers nothing. */
async function doubler(
  broker: Broker,
  delayMs: (n: number) => number = () => 0,
  skip: (n: number) => boolean = () => false,
): Promise<{ sub: Subscription; seen: Event[] }> {
  const seen: Event[] = [];
  const sub = await broker
    .consumer('quotes', { group: 'pricing', from: 'earliest', ordering: 'none', concurrency: 16 })
    .subscribe(async (event, delivery) => {
      seen.push(event);
      const n = (event.data as { n: number }).n;
      if (skip(n)) return;
      await new Promise((r) => setTimeout(r, delayMs(n)));
      await reply(delivery, { type: 'doubled', source: '/pricing', data: { n: n * 2 } });
    });
  closers.push(() => sub.close());
  return { sub, seen };
}

describe('request-reply on memory://', () => {
  it('matches each reply to its own request when replies interleave', async () => {
    const broker = await memory();
    await doubler(broker, (n) => (20 - n) * 3); // later requests are answered first
    const r = await open(broker);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, n) => r.request({ type: 'double', source: '/t', data: { n } })),
    );
    expect(replies.map((e) => (e.data as { n: number }).n)).toEqual(
      Array.from({ length: 20 }, (_, n) => n * 2),
    );
    expect(r.pending).toBe(0);
    expect(r.unmatchedReplies).toBe(0);
  });

  it('puts replyto and a fresh correlationid on the request; the reply carries the same id', async () => {
    const broker = await memory();
    const { seen } = await doubler(broker);
    const r = await open(broker);
    const answer = await r.request({
      type: 'double',
      source: '/t',
      data: { n: 1 },
      extensions: { tenant: 'a' },
    });
    const request = seen[0]!;
    expect(request.extensions[REPLY_TO]).toBe('quote-replies');
    expect(request.extensions.tenant).toBe('a');
    expect(typeof request.extensions[CORRELATION_ID]).toBe('string');
    expect(answer.extensions[CORRELATION_ID]).toBe(request.extensions[CORRELATION_ID]);
    const second = await r.request({ type: 'double', source: '/t', data: { n: 2 } });
    expect(second.extensions[CORRELATION_ID]).not.toBe(answer.extensions[CORRELATION_ID]);
  });

  it('rejects with RequestTimeoutError when no reply comes; a late reply is dropped as unmatched', async () => {
    const broker = await memory();
    await doubler(broker, (n) => (n === 7 ? 400 : 0));
    const r = await open(broker);
    const err = await r
      .request({ type: 'double', source: '/t', data: { n: 7 } }, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect((err as RequestTimeoutError).code).toBe('TIMEOUT');
    expect((err as RequestTimeoutError).timeoutMs).toBe(100);
    expect(r.pending).toBe(0);
    await waitFor(() => r.unmatchedReplies === 1, 'the late reply');
  });

  it('close() rejects waiting requests with ClosedError; request() after close throws ClosedError', async () => {
    const broker = await memory();
    await doubler(
      broker,
      () => 0,
      () => true,
    ); // never answers
    const r = await open(broker, 60_000);
    const waiting = r.request({ type: 'double', source: '/t', data: { n: 1 } });
    await waitFor(() => r.pending === 1, 'the request waiting');
    await r.close();
    await expect(waiting).rejects.toBeInstanceOf(ClosedError);
    await expect(r.request({ type: 'double', source: '/t', data: { n: 2 } })).rejects.toBeInstanceOf(
      ClosedError,
    );
    await r.close(); // idempotent
  });

  it('refuses bad options and requests that set the conventions themselves', async () => {
    const broker = await memory();
    await expect(requester(broker, { requestTopic: '', replyTopic: 'x' })).rejects.toBeInstanceOf(
      ConfigError,
    );
    await expect(
      requester(broker, { requestTopic: 'q', replyTopic: 'x', timeoutMs: 0 }),
    ).rejects.toBeInstanceOf(ConfigError);
    const r = await open(broker);
    await expect(
      r.request({ type: 't', source: '/t', extensions: { [CORRELATION_ID]: 'mine' } }),
    ).rejects.toBeInstanceOf(InvalidEventError);
    await expect(r.request({ type: 't', source: '/t' }, { timeoutMs: -1 })).rejects.toBeInstanceOf(
      ConfigError,
    );
    expect(r.pending).toBe(0);
  });

  it('a send that fails leaves nothing waiting and rejects with the send error', async () => {
    const broker = await memory();
    const r = await open(broker);
    // An invalid event fails validation in send.
    await expect(r.request({ type: '', source: '/t' })).rejects.toBeInstanceOf(InvalidEventError);
    expect(r.pending).toBe(0);
  });

  it('reply() to a request without replyto fails the handler with InvalidEventError (then dead-lettered)', async () => {
    const broker = await memory();
    const errors: unknown[] = [];
    const dead: Event[] = [];
    const dlq = await broker
      .consumer('quotes.dlq', { group: 'ops', from: 'earliest' })
      .subscribe((e) => void dead.push(e));
    closers.push(() => dlq.close());
    const sub = await broker
      .consumer('quotes', { group: 'pricing', from: 'earliest', retry: { attempts: 1 } })
      .subscribe(async (_event, delivery) => {
        try {
          await reply(delivery, { type: 'doubled', source: '/pricing' });
        } catch (err) {
          errors.push(err);
          throw err;
        }
      });
    closers.push(() => sub.close());
    await broker.producer('quotes').send({ type: 'double', source: '/plain' });
    await waitFor(() => dead.length === 1, 'the dead letter');
    expect(errors[0]).toBeInstanceOf(InvalidEventError);
    expect((errors[0] as InvalidEventError).field).toBe(`extensions.${REPLY_TO}`);
  });
});
