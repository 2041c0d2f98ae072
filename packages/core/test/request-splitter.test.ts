import type { OutgoingEvent, RequestLimits, SendOutcome } from '../src/driver/types.js';
import { BrokerUnavailableError, EventTooLargeError } from '../src/errors/errors.js';
import { createEvent } from '../src/event/create-event.js';
import { sendInRequests } from '../src/portable/request-splitter.js';

const entries = (sizes: number[]): OutgoingEvent[] =>
  sizes.map((size, i) => ({ event: createEvent({ source: '/s', type: 't', id: `e${i}`, data: size }) }));

const limits = (over: Partial<RequestLimits> = {}): RequestLimits => ({
  maxEntries: 3,
  maxBytes: 100,
  concurrency: 1,
  entrySize: (event) => event.data as number,
  ...over,
});

/** A sender that records each request's ids and answers per entry with `answer`. */
function recorder(
  answer: (id: string, request: number) => SendOutcome | 'throw' = () => ({ ok: true, receipt: {} }),
) {
  const requests: string[][] = [];
  let active = 0;
  let peak = 0;
  const send = async (request: readonly OutgoingEvent[]): Promise<SendOutcome[]> => {
    const n = requests.push(request.map((o) => o.event.id)) - 1;
    peak = Math.max(peak, ++active);
    await new Promise((r) => setTimeout(r, 2));
    active--;
    const results = request.map((o) => answer(o.event.id, n));
    if (results.includes('throw')) throw new BrokerUnavailableError('request failed');
    return results as SendOutcome[];
  };
  return { send, requests, peak: () => peak };
}

describe('sendInRequests', () => {
  test('cuts a batch into requests by entries and by bytes, in order', async () => {
    const r = recorder();
    const out = await sendInRequests(r.send, entries([10, 10, 10, 10, 60, 50, 5]), limits());
    expect(out.every((o) => o.ok)).toBe(true);
    expect(r.requests).toEqual([
      ['e0', 'e1', 'e2'],
      ['e3', 'e4'],
      ['e5', 'e6'],
    ]);
  });

  test('an entry larger than a request fails alone with EventTooLargeError, unsent', async () => {
    const r = recorder();
    const out = await sendInRequests(r.send, entries([10, 101, 10]), limits());
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    const error = (out[1] as { error: EventTooLargeError }).error;
    expect(error).toBeInstanceOf(EventTooLargeError);
    expect(error).toMatchObject({ size: 101, maxSize: 100, eventId: 'e1' });
    expect(r.requests.flat()).toEqual(['e0', 'e2']);
  });

  test("oversize 'alone': the size is a packing target (an estimate); a bigger entry goes in a request of its own", async () => {
    const r = recorder();
    const out = await sendInRequests(r.send, entries([10, 101, 10]), limits({ oversize: 'alone' }));
    expect(out.every((o) => o.ok)).toBe(true);
    expect(r.requests).toEqual([['e0'], ['e1'], ['e2']]);
  });

  test('an entry whose size cannot be measured fails alone with that error', async () => {
    const r = recorder();
    const boom = new TypeError('cannot encode');
    const sizeOf = (event: { id: string; data?: unknown }): number => {
      if (event.id === 'e1') throw boom;
      return 1;
    };
    const out = await sendInRequests(r.send, entries([1, 1, 1]), limits({ entrySize: sizeOf }));
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect((out[1] as { error: Error }).error).toBe(boom);
  });

  test('runs up to `concurrency` requests at once', async () => {
    const r = recorder();
    await sendInRequests(r.send, entries(Array.from({ length: 30 }, () => 1)), limits({ concurrency: 4 }));
    expect(r.requests).toHaveLength(10);
    expect(r.peak()).toBe(4);
  });

  test('concurrency 1: the first request with a failed entry stops the batch; the rest fail retryably, unsent', async () => {
    const r = recorder((id) =>
      id === 'e4' ? { ok: false, error: new BrokerUnavailableError('entry') } : { ok: true, receipt: {} },
    );
    const out = await sendInRequests(r.send, entries(Array.from({ length: 9 }, () => 1)), limits());
    expect(r.requests).toEqual([
      ['e0', 'e1', 'e2'],
      ['e3', 'e4', 'e5'],
    ]);
    expect(out.map((o) => o.ok)).toEqual([true, true, true, true, false, true, false, false, false]);
    for (const o of out.slice(6))
      expect(o.ok === false && (o.error as BrokerUnavailableError).retryable).toBe(true);
  });

  test('above concurrency 1 a failed request does not stop the others; a thrown request fails its own entries', async () => {
    const r = recorder((_, request) => (request === 0 ? 'throw' : { ok: true, receipt: {} }));
    const out = await sendInRequests(
      r.send,
      entries(Array.from({ length: 9 }, () => 1)),
      limits({ concurrency: 2 }),
    );
    expect(r.requests).toHaveLength(3);
    expect(out.map((o) => o.ok)).toEqual([false, false, false, true, true, true, true, true, true]);
    expect((out[0] as { error: Error }).error).toBeInstanceOf(BrokerUnavailableError);
  });

  test('a sender that answers too few outcomes fails the missing entries', async () => {
    const send = (request: readonly OutgoingEvent[]): Promise<SendOutcome[]> =>
      Promise.resolve(request.slice(1).map(() => ({ ok: true as const, receipt: {} })));
    const out = await sendInRequests(send, entries([1, 1]), limits());
    expect(out.map((o) => o.ok)).toEqual([true, false]);
  });
});
