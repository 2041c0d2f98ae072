/**
 * Silent misuse: on SQS without fan-out, a consumer of a second group on the same queue would take
 * half of the first group's messages. It is refused with an UnsupportedGuaranteeError naming
 * `fan-out` and `fanOut=true`; consumers of the same group still compete; with fanOut=true (moto's
 * SNS) each group gets its own queue and every event.
 *
 * @brokers elasticmq moto
 */
import { connect, silentLogger, UnsupportedGuaranteeError, type Broker } from '@eventport/core';
import { uniqueName } from '../support/env.js';
import { sqsTarget, type SqsServer } from './support/harness.js';

jest.setTimeout(60_000);

describe.each<[SqsServer]>([['elasticmq'], ['moto']])('consumer groups without fan-out on %s', (server) => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await connect(sqsTarget(server, 'standard'), { logger: silentLogger });
  });
  afterAll(() => broker.close());

  it('a second group on one queue is refused, naming fan-out and fanOut=true', async () => {
    const t = uniqueName('sqs-groups');
    try {
      const billing = await broker.consumer(t, { group: 'billing' }).subscribe(() => undefined);
      const worker2 = await broker.consumer(t, { group: 'billing' }).subscribe(() => undefined);
      const err = await broker
        .consumer(t, { group: 'audit' })
        .subscribe(() => undefined)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedGuaranteeError);
      expect((err as UnsupportedGuaranteeError).missing[0]?.guarantee).toBe('fan-out');
      expect(String((err as Error).message)).toMatch(/fanOut=true/);
      await billing.close({ drainTimeoutMs: 0 });
      await worker2.close({ drainTimeoutMs: 0 });
    } finally {
      await broker.deleteTopic(t).catch(() => undefined);
    }
  });
});

it('with fanOut=true (moto: SNS) two groups each get every event', async () => {
  const broker = await connect(sqsTarget('moto', 'standard+sns'), { logger: silentLogger });
  const t = uniqueName('sqs-fan');
  try {
    const seen: Record<string, string[]> = { billing: [], audit: [] };
    const subs = await Promise.all(
      Object.keys(seen).map((group) =>
        broker.consumer(t, { group }).subscribe((e) => void seen[group]!.push(e.id)),
      ),
    );
    const sent = await broker.producer(t).send([
      { type: 't', source: '/s', id: 'a' },
      { type: 't', source: '/s', id: 'b' },
    ]);
    const end = Date.now() + 30_000;
    while ((seen.billing!.length < 2 || seen.audit!.length < 2) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    expect(seen.billing!.sort()).toEqual(sent.map((r) => r.id).sort());
    expect(seen.audit!.sort()).toEqual(sent.map((r) => r.id).sort());
    await Promise.all(subs.map((s) => s.close({ drainTimeoutMs: 0 })));
  } finally {
    await broker.deleteTopic(t).catch(() => undefined);
    await broker.close();
  }
});
