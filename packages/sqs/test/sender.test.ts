import {
  BrokerUnavailableError,
  ClosedError,
  ConfigError,
  createEvent,
  EventTooLargeError,
  type OutgoingEvent,
  type SendOutcome,
} from '@eventport/core/driver';
import { SendBatcher, PendingSend } from '../../core/src/portable/send-batcher';
import { resolveRetry } from '../../core/src/portable/backoff';
import { sendInRequests } from '../../core/src/portable/request-splitter';
import { SqsSender, type Chunk, type SendTarget } from '../src/sender';

function target(maxBytes: number, fifo: boolean, respond?: (chunk: Chunk) => Promise<SendOutcome[]>) {
  const chunks: Chunk[] = [];
  const ids: string[] = [];
  let active = 0;
  let peak = 0;
  const t: SendTarget = {
    maxBytes,
    fifo,
    describe: () => 'queue test',
    async send(chunk, request) {
      chunks.push(chunk);
      ids.push(...chunk.indexes.map((i) => request[i]!.event.id));
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return respond ? respond(chunk) : chunk.indexes.map(() => ({ ok: true as const, receipt: {} }));
    },
  };
  return { t, chunks, ids, peak: () => peak };
}

const events = (n: number, size = 10): OutgoingEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    event: createEvent({ source: '/s', type: 't', id: `e${i}`, data: 'x'.repeat(size) }),
  }));

/** A batch through the portable layer's request cutting, as the batcher sends it. */
const sendBatch = (sender: SqsSender, batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> =>
  sendInRequests((entries) => sender.send(entries), batch, sender.requestLimits);

describe('SqsSender', () => {
  test('splits a batch into requests of at most 10 entries, sent concurrently on standard queues', async () => {
    const { t, chunks, peak } = target(1 << 20, false);
    const out = await sendBatch(new SqsSender(t, 4), events(35));
    expect(out.every((o) => o.ok)).toBe(true);
    expect(chunks.map((c) => c.indexes.length)).toEqual([10, 10, 10, 5]);
    expect(peak()).toBe(4);
  });

  test('FIFO sends one request at a time, in order', async () => {
    const { t, ids, peak } = target(1 << 20, true);
    await sendBatch(new SqsSender(t, 8), events(25));
    expect(peak()).toBe(1);
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));
  });

  test('cuts requests by bytes and fails oversized entries alone, before sending', async () => {
    const { t, chunks } = target(2_000, false);
    const batch = [...events(3, 700), ...events(1, 5_000), ...events(1, 700)];
    const out = await sendBatch(new SqsSender(t, 1), batch);
    expect(out[3]).toMatchObject({ ok: false });
    expect((out[3] as { error: Error }).error).toBeInstanceOf(EventTooLargeError);
    expect(out.filter((o) => o.ok)).toHaveLength(4);
    expect(chunks.every((c) => c.messages.reduce((s, m) => s + m.size, 0) <= 2_000)).toBe(true);
    expect(chunks.flatMap((c) => c.messages).map((m) => m.size < 5_000)).toEqual([true, true, true, true]);
  });

  test('delays beyond 15 minutes, or any delay on FIFO, fail with ConfigError', async () => {
    const [a, b] = events(2);
    const std = await sendBatch(new SqsSender(target(1 << 20, false).t, 1), [
      { ...a!, delayMs: 16 * 60_000 },
      { ...b!, delayMs: 1000 },
    ]);
    expect((std[0] as { error: Error }).error).toBeInstanceOf(ConfigError);
    expect(std[1]!.ok).toBe(true);
    const fifo = await sendBatch(new SqsSender(target(1 << 20, true).t, 1), [{ ...a!, delayMs: 1000 }]);
    expect((fifo[0] as { error: Error }).error).toBeInstanceOf(ConfigError);
  });

  test('a failed request fails its entries with the mapped error; per-entry results pass through', async () => {
    let n = 0;
    const { t } = target(1 << 20, false, async (chunk) => {
      if (n++ === 0) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return chunk.indexes.map((_, j) =>
        j === 0
          ? { ok: false as const, error: new BrokerUnavailableError('entry') }
          : { ok: true as const, receipt: {} },
      );
    });
    const out = await sendBatch(new SqsSender(t, 2), events(12));
    expect(out.slice(0, 10).every((o) => !o.ok && (o.error as BrokerUnavailableError).retryable)).toBe(true);
    expect(out[10]!.ok).toBe(false);
    expect(out[11]!.ok).toBe(true);
  });

  test('FIFO stops at the first failed request: later requests are not sent and fail retryably', async () => {
    let n = 0;
    const { t, chunks } = target(1 << 20, true, async (chunk) => {
      if (n++ === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return chunk.indexes.map(() => ({ ok: true as const, receipt: {} }));
    });
    const out = await sendBatch(new SqsSender(t, 4), events(30));
    expect(chunks).toHaveLength(2); // the third request never went out
    expect(out.slice(0, 10).every((o) => o.ok)).toBe(true);
    expect(out.slice(10).every((o) => !o.ok && (o.error as BrokerUnavailableError).retryable)).toBe(true);
  });

  test('FIFO: a failed entry stops the requests after its own', async () => {
    const { t, chunks } = target(1 << 20, true, async (chunk) =>
      chunk.indexes.map((i) =>
        i === 3
          ? { ok: false as const, error: new BrokerUnavailableError('entry') }
          : { ok: true as const, receipt: {} },
      ),
    );
    const out = await sendBatch(new SqsSender(t, 1), events(25));
    expect(chunks).toHaveLength(1);
    expect(out.filter((o) => o.ok)).toHaveLength(9);
    expect(out.slice(10).every((o) => !o.ok && (o.error as BrokerUnavailableError).retryable)).toBe(true);
  });

  test('FIFO through the portable batcher: one ECONNRESET on the 2nd of 3 requests keeps the queue order', async () => {
    const queue: string[] = [];
    let n = 0;
    const { t } = target(1 << 20, true, async (chunk) => {
      if (n++ === 1) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      // the request reached the queue: its entries are appended in order
      queue.push(...chunk.messages.map((m) => m.body));
      return chunk.indexes.map(() => ({ ok: true as const, receipt: {} }));
    });
    const batcher = new SendBatcher('t', Promise.resolve(new SqsSender(t, 4)), {
      delivery: 'at-least-once',
      required: [],
      maxEvents: 30,
      maxBytes: 1 << 20,
      lingerMs: 0,
      retry: resolveRetry({ attempts: 3, initialDelayMs: 1, maxDelayMs: 5 }),
    });
    const items = Array.from({ length: 30 }, (_, i) => {
      const event = createEvent({ source: '/s', type: 't', key: 'k', data: i });
      return new PendingSend(event, undefined, 10);
    });
    await batcher.enqueue(items);
    await batcher.close();
    expect(queue).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
  });

  test('send after close fails', async () => {
    const s = new SqsSender(target(1 << 20, false).t, 1);
    await s.close();
    await expect(s.send(events(1))).rejects.toThrow(ClosedError);
  });
});
