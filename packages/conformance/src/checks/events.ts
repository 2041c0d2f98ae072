/** What the delivery checks share: numbered events, sending in chunks, delivery tallies. */
import type { Broker, EventInput, Guarantee } from '@eventport/core';
import { CheckFailed, type CheckContext } from '../check.js';
import { firstFew, missingSeqs, within } from '../util.js';

export const CONSUME: Guarantee[] = ['pull', 'publish.at-least-once', 'consume.at-least-once'];

/** `n` check events `{ seq }` of one type (no key unless `key` gives one). */
export function numbered(
  n: number,
  type: string,
  key?: (i: number) => string | undefined,
  offset = 0,
): EventInput[] {
  return Array.from({ length: n }, (_, i) => ({
    source: '/eventport/conformance',
    type,
    key: key?.(offset + i),
    data: { seq: offset + i },
  }));
}

/** Sends in chunks (so batching limits never matter), bounded by the check's timeout. */
export async function sendAll(
  ctx: CheckContext,
  broker: Broker,
  topic: string,
  events: EventInput[],
  chunk = 500,
): Promise<void> {
  const producer = broker.producer(topic);
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < events.length; i += chunk) sends.push(producer.send(events.slice(i, i + chunk)));
  await within(Promise.all(sends), ctx.timing.timeoutMs, `sending ${events.length} events`);
}

/** Counts deliveries per sequence number. */
export class Tally {
  readonly counts = new Map<number, number>();
  deliveries = 0;
  add(seq: number): number {
    this.deliveries++;
    const c = (this.counts.get(seq) ?? 0) + 1;
    this.counts.set(seq, c);
    return c;
  }
  get distinct(): number {
    return this.counts.size;
  }
  has(seq: number): boolean {
    return this.counts.has(seq);
  }
  get duplicates(): number {
    return this.deliveries - this.counts.size;
  }
}

export function lossFailure(what: string, n: number, tally: Tally): CheckFailed {
  const missing = missingSeqs(n, (s) => tally.has(s));
  return new CheckFailed(`${what}: ${tally.distinct} of ${n} events arrived`, {
    counts: { sent: n, received: tally.distinct, deliveries: tally.deliveries },
    firstBad: `event #${missing[0]} never arrived`,
    details: [`missing: ${firstFew(missing, 10, (s) => `#${s}`)}`],
  });
}
