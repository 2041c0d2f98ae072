import type { Event } from '@eventport/core';
import {
  createEvent,
  EventTooLargeError,
  InvalidEventError,
  TopicNotFoundError,
} from '@eventport/core/driver';
import { MAX_REQUEST_BYTES } from '../src/capabilities.js';
import type { OutgoingEvent, SendOutcome } from '@eventport/core/driver';
import { sendInRequests } from '../../core/src/portable/request-splitter.js';
import { EventGridSender, type PublishTarget } from '../src/sender.js';

/** A batch through the portable layer's request cutting, as the producer sends it. */
const sendBatch = (sender: EventGridSender, batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> =>
  sendInRequests((entries) => sender.send(entries), batch, sender.requestLimits);

function target(maxEvents: number, fail?: (events: readonly Event[]) => Error | undefined) {
  const requests: { events: readonly Event[]; bytes: number }[] = [];
  const t: PublishTarget = {
    name: 't',
    maxEvents,
    publish: (events, encoded) => {
      requests.push({ events, bytes: encoded.reduce((n, e) => n + e.byteLength + 1, 1) });
      const err = fail?.(events);
      return err === undefined ? Promise.resolve() : Promise.reject(err);
    },
  };
  return { t, requests };
}
const ev = (data?: unknown, extra: Record<string, unknown> = {}) => ({
  event: createEvent({ type: 't', source: '/s', data, ...extra }),
});

describe('EventGridSender', () => {
  test('splits a batch by the per-request event count', async () => {
    const { t, requests } = target(1000);
    const out = await sendBatch(
      new EventGridSender(t),
      Array.from({ length: 2500 }, () => ev(1)),
    );
    expect(out.every((o) => o.ok)).toBe(true);
    expect(requests.map((r) => r.events.length)).toEqual([1000, 1000, 500]);
  });

  test('splits by the 1 MB request size; an event over 1 MB fails alone, before the network', async () => {
    const { t, requests } = target(1000);
    const big = 'x'.repeat(400_000);
    const huge = 'y'.repeat(MAX_REQUEST_BYTES);
    const out = await sendBatch(new EventGridSender(t), [ev(big), ev(big), ev(huge), ev(big)]);
    expect(out.map((o) => o.ok)).toEqual([true, true, false, true]);
    expect(!out[2]!.ok && out[2]!.error).toBeInstanceOf(EventTooLargeError);
    expect(requests.map((r) => r.events.length)).toEqual([2, 1]);
    for (const r of requests) expect(r.bytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });

  test('a failed request fails its own entries only; an invalid event fails alone', async () => {
    const missing = new TopicNotFoundError('t');
    const { t } = target(2, (events) => (events.some((e) => e.data === 'bad') ? missing : undefined));
    const out = await sendBatch(new EventGridSender(t), [
      ev('a'),
      ev('bad'),
      ev('c'),
      ev('d', { extensions: { partitionkey: 'x' } }),
    ]);
    expect(out.map((o) => o.ok)).toEqual([false, false, true, false]);
    expect(!out[0]!.ok && out[0]!.error).toBe(missing);
    expect(!out[3]!.ok && out[3]!.error).toBeInstanceOf(InvalidEventError);
  });

  test('send after close is refused', async () => {
    const s = new EventGridSender(target(10).t);
    await s.close();
    await expect(s.send([ev(1)])).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
