import { EventPortError } from '@eventport/core';
import type { ReceivedMessage } from '@eventport/core/driver';
import { ackIdFailures } from '../src/errors';
import { SettleQueue } from '../src/settle-queue';
import { AckIdRefused, outcome } from '../src/settlement';

const message = (id: string): ReceivedMessage =>
  ({ event: { id }, deliveryCount: 1, handle: { ackId: `a-${id}` } }) as unknown as ReceivedMessage;

describe('settlement results under exactly-once delivery', () => {
  test('ackIdFailures reads the per ack id reasons of an EXACTLY_ONCE_ACKID_FAILURE error only', () => {
    const err = Object.assign(new Error('3 INVALID_ARGUMENT'), {
      code: 3,
      reason: 'EXACTLY_ONCE_ACKID_FAILURE',
      errorInfoMetadata: { a1: 'PERMANENT_FAILURE_INVALID_ACK_ID', a2: 'TRANSIENT_FAILURE_UNORDERED_ACK_ID' },
    });
    expect([...ackIdFailures(err)!]).toEqual([
      ['a1', 'PERMANENT_FAILURE_INVALID_ACK_ID'],
      ['a2', 'TRANSIENT_FAILURE_UNORDERED_ACK_ID'],
    ]);
    expect(ackIdFailures(Object.assign(new Error('x'), { code: 3 }))).toBeUndefined();
    expect(ackIdFailures(undefined)).toBeUndefined();
  });

  test('a request with per ack id failures rejects only the callers of those ack ids', async () => {
    const q = new SettleQueue<0>(async (_k, ids) => new Map([[ids[1]!, new AckIdRefused(ids[1]!, 'WHY')]]));
    const results = await Promise.allSettled([q.add(0, 'x'), q.add(0, 'y'), q.add(0, 'z')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  test('a request that fails as a whole rejects every caller in it', async () => {
    const q = new SettleQueue<0>(() => Promise.reject(new Error('down')));
    const results = await Promise.allSettled([q.add(0, 'x'), q.add(0, 'y')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  test('outcome names each refused event and why, says how many went through; retryable only when all were transient', async () => {
    const ms = ['e1', 'e2', 'e3'].map(message);
    const permanent = await outcome('acknowledge on s', ms, [
      Promise.resolve(),
      Promise.reject(new AckIdRefused('a-e2', 'PERMANENT_FAILURE_INVALID_ACK_ID')),
      Promise.resolve(),
    ]).catch((e: unknown) => e);
    expect(permanent).toBeInstanceOf(EventPortError);
    expect((permanent as EventPortError).message).toMatch(
      /acknowledge on s: the service refused 1 of 3 .*event e2: PERMANENT_FAILURE_INVALID_ACK_ID; the other 2 went through/,
    );
    expect((permanent as EventPortError).retryable).toBe(false);
    const transient = await outcome(
      'nack on s',
      [ms[0]!],
      [Promise.reject(new AckIdRefused('a-e1', 'TRANSIENT_FAILURE_X'))],
    ).catch((e: unknown) => e);
    expect((transient as EventPortError).retryable).toBe(true);
    await expect(
      outcome(
        'acknowledge on s',
        ms,
        ms.map(() => Promise.resolve()),
      ),
    ).resolves.toBeUndefined();
  });

  test('a whole-request failure is passed on as it is', async () => {
    const down = new Error('unavailable');
    await expect(outcome('acknowledge on s', [message('e1')], [Promise.reject(down)])).rejects.toBe(down);
  });
});
