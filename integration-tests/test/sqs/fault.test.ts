/**
 * Fault tests of the SQS adapter: the SQS server goes away in the middle of a run.
 *
 * 1. Unreachable (a switchable loopback proxy in front of ElasticMQ; the server keeps its state):
 *    the producer retries with backoff and, past its budget, rejects with a retryable error; the
 *    consumer survives the outage and resumes; every event the broker acknowledged is handled.
 * 2. Killed and restarted (the real ElasticMQ process, SIGKILL through the brokers machinery):
 *    the same on the producer side; the consumer survives, re-creates its queue (ElasticMQ keeps
 *    queues in memory, so they are gone after the restart) and handles everything sent afterwards.
 *
 * Killing a broker disturbs any suite running at that moment: this one runs on its own in CI
 * (jest runs the suites of this 2-core machine one at a time).
 *
 * @brokers elasticmq
 */
import {
  BrokerUnavailableError,
  connect,
  silentLogger,
  type Broker,
  type Subscription,
} from '@eventport/core';
import '@eventport/sqs';
import { tapDriver } from '@eventport/conformance';
import { brokers } from '../../src/brokers/index.js';
import { requireEnv, uniqueName } from '../support/env.js';
import { SwitchableProxy } from './support/proxy.js';

jest.setTimeout(180_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

/** A producer retry budget: 4 attempts, 200 ms doubling, no jitter → 200 + 400 + 800 ms of backoff. */
const BUDGET = {
  attempts: 4,
  backoff: 'exponential' as const,
  initialDelayMs: 200,
  maxDelayMs: 800,
  jitter: 0,
};
const BACKOFF_MS = 200 + 400 + 800;

const events = (n: number, phase: string) =>
  Array.from({ length: n }, (_, i) => ({ source: '/fault', type: 'fault.test', data: { phase, i } }));

interface Run {
  broker: Broker;
  attempts: { count: number };
  handled: Map<string, number>;
  sub: Subscription;
  died: { error: unknown };
}

async function open(endpoint: string, topic: string): Promise<Run> {
  const attempts = { count: 0 };
  const broker = await connect(`sqs://?endpoint=${encodeURIComponent(endpoint)}&waitTimeSeconds=1`, {
    logger: silentLogger,
    wrapDriver: tapDriver({ send: (_batch, send) => (attempts.count++, send()) }),
  });
  await broker.createTopic(topic);
  const handled = new Map<string, number>();
  const sub = await broker
    .consumer(topic, { concurrency: 8, leaseMs: 5_000, retry: { maxDelayMs: 1_000 } })
    .subscribe((e) => void handled.set(e.id, (handled.get(e.id) ?? 0) + 1));
  const died = { error: undefined as unknown };
  sub.done.catch((err: unknown) => (died.error = err));
  return { broker, attempts, handled, sub, died };
}

/** Sends with the small budget while the server is away: must reject, retryable, after the backoff. */
async function expectBudgetExhausted(run: Run, topic: string): Promise<void> {
  const producer = run.broker.producer(topic, { retry: BUDGET });
  const before = run.attempts.count;
  const started = Date.now();
  const error = await producer.send(events(10, 'outage')).then(
    () => undefined,
    (err: unknown) => err,
  );
  const elapsed = Date.now() - started;
  expect(error).toBeInstanceOf(BrokerUnavailableError);
  expect((error as BrokerUnavailableError).retryable).toBe(true);
  expect((error as Error).message).toMatch(/after 4 attempts/);
  expect(run.attempts.count - before).toBe(BUDGET.attempts);
  expect(elapsed).toBeGreaterThanOrEqual(BACKOFF_MS);
  await producer.close().catch(() => undefined);
}

describe('SQS server goes away mid-run', () => {
  test('unreachable, then back: retries with backoff, a retryable error after the budget, no acknowledged event lost', async () => {
    const target = new URL(requireEnv('EVENTPORT_SQS_ENDPOINT'));
    const proxy = new SwitchableProxy(target.hostname, Number(target.port));
    await proxy.on();
    const topic = uniqueName('fault-proxy');
    const run = await open(proxy.url, topic);
    try {
      const acked = new Set<string>();
      const steady = run.broker.producer(topic);
      // phase 1: traffic flowing
      for (let i = 0; i < 3; i++) for (const r of await steady.send(events(100, 'before'))) acked.add(r.id);
      await until(() => run.handled.size >= 100, 30_000, 'consumer under way');

      await proxy.off();
      await expectBudgetExhausted(run, topic);
      // a patient producer keeps retrying through the outage and succeeds once the server is back
      const patient = run.broker.producer(topic, {
        retry: { attempts: 40, initialDelayMs: 100, maxDelayMs: 500 },
      });
      const during = patient.send(events(50, 'during'));
      await sleep(2_000);
      expect(run.died.error).toBeUndefined(); // the consumer rides out the outage
      const handledAtRestore = run.handled.size;
      await proxy.on();

      for (const r of await during) acked.add(r.id);
      for (const r of await steady.send(events(100, 'after'))) acked.add(r.id);
      await until(
        () => [...acked].every((id) => run.handled.has(id)),
        60_000,
        'every acknowledged event handled',
      );
      expect(run.died.error).toBeUndefined();
      expect(run.handled.size).toBeGreaterThan(handledAtRestore);
      const lost = [...acked].filter((id) => !run.handled.has(id));
      expect(lost).toEqual([]);
      await patient.close();
    } finally {
      await run.sub.close({ drainTimeoutMs: 1_000 }).catch(() => undefined);
      await run.broker.deleteTopic(topic).catch(() => undefined);
      await run.broker.close();
      await proxy.off();
    }
  });

  test('killed and restarted: a retryable error after the budget; the consumer re-creates its queue and resumes', async () => {
    const topic = uniqueName('fault-kill');
    const run = await open(requireEnv('EVENTPORT_SQS_ENDPOINT'), topic);
    let restarted = false;
    try {
      const producer = run.broker.producer(topic, {
        retry: { attempts: 40, initialDelayMs: 100, maxDelayMs: 500 },
      });
      const first = await producer.send(events(100, 'before'));
      await until(() => first.every((r) => run.handled.has(r.id)), 30_000, 'events before the kill');

      await brokers().kill('elasticmq');
      await expectBudgetExhausted(run, topic);
      await sleep(1_000);
      expect(run.died.error).toBeUndefined();
      await brokers().start('elasticmq', { fresh: false });
      restarted = true;

      // ElasticMQ keeps queues in memory: the restart lost the queue; producer and consumer re-create it
      const after = await producer.send(events(100, 'after'));
      await until(() => after.every((r) => run.handled.has(r.id)), 90_000, 'events after the restart');
      expect(run.died.error).toBeUndefined();
    } finally {
      if (!restarted)
        await brokers()
          .start('elasticmq', { fresh: false })
          .catch(() => undefined);
      await run.sub.close({ drainTimeoutMs: 1_000 }).catch(() => undefined);
      await run.broker.deleteTopic(topic).catch(() => undefined);
      await run.broker.close();
    }
  });
});
