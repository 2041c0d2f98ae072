/**
 * Broadcasting.
 *  - A configuration service publishes `config.changed` events; N independent services each
 *    subscribe with their own consumer group and must each receive every change (fan-out), and
 *    end on the latest version.
 *  - On a broker without fan-out (a queue hands each message to one consumer, whatever the
 *    group), the consumers `require` fan-out and are refused when they are created: the example
 *    prints the refusal and the reason from the broker's capability report. Refusing is the
 *    promise kept there — nothing runs that would silently give each change to only one service.
 * Promise (exit code 0): with fan-out, every service received every change and applied the
 * latest; without it, the refusal named fan-out with the capability report's reason.
 * Usage: node dist/main.js [url] [--services N] [--changes N]
 */
import { connect, UnsupportedGuaranteeError, type Event, type Subscription } from '@eventport/core';
import {
  commandLine,
  ensureTopic,
  numberOption,
  run,
  RUN_ID,
  sleep,
  Verdict,
  waitUntil,
} from '@eventport/example-support';

/** What every service needs, and why (see README). */
const REQUIRES = ['fan-out'];
const SERVICE_NAMES = ['api', 'billing', 'search', 'mailer', 'reports', 'audit', 'cache', 'gateway'];

interface ConfigChange {
  readonly version: number;
  readonly key: string;
  readonly value: string;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({ services: { type: 'string' }, changes: { type: 'string' } });
  const serviceCount = numberOption(values.services, 'services', 4, 1);
  const changeCount = numberOption(values.changes, 'changes', 5, 1);
  const broker = await connect(url);
  console.log(`connected to ${broker}; every service requires ${REQUIRES.join(', ')}`);
  const topic = `config-${RUN_ID}`;
  await ensureTopic(broker, topic);
  const services = Array.from({ length: serviceCount }, (_, i) => SERVICE_NAMES[i] ?? `service-${i + 1}`);
  const v = new Verdict();

  // Each service: its own group. Creating the consumer checks fan-out.
  const received = new Map<string, Set<string>>(services.map((s) => [s, new Set()]));
  const applied = new Map<string, number>(services.map((s) => [s, 0]));
  const subs: Subscription[] = [];
  let consumers;
  try {
    consumers = services.map((service) => ({
      service,
      consumer: broker.consumer(topic, { group: service, from: 'earliest', require: REQUIRES }),
    }));
  } catch (err) {
    if (!(err instanceof UnsupportedGuaranteeError)) throw err;
    const fanOut = broker.capabilities.get('fan-out');
    console.log(`refused at creation: ${err.message}`);
    console.log(
      `capability report of ${broker.capabilities.label}: fan-out ${fanOut.level} — ${fanOut.detail}`,
    );
    await broker.close();
    v.check(
      err.missing.some((m) => m.guarantee === 'fan-out'),
      'the refusal names fan-out',
    );
    v.check(
      !broker.capabilities.supports('fan-out'),
      'the capability report says fan-out is unsupported, and why',
    );
    v.finish('broadcast (refused: no fan-out on this broker)', startedAt);
    return;
  }
  for (const { service, consumer } of consumers) {
    subs.push(
      await consumer.subscribe((event: Event) => {
        const change = event.data as ConfigChange;
        received.get(service)!.add(event.id);
        // Apply only newer versions: a late or repeated change never rolls the config back.
        if (change.version > applied.get(service)!) applied.set(service, change.version);
      }),
    );
  }

  const producer = broker.producer(topic);
  const ids: string[] = [];
  for (let version = 1; version <= changeCount; version++) {
    const change: ConfigChange = {
      version,
      key: 'feature.checkout-v2',
      value: version % 2 === 0 ? 'on' : 'off',
    };
    const receipt = await producer.send({
      type: 'config.changed',
      source: '/config',
      key: 'config',
      data: change,
    });
    ids.push(receipt.id);
  }
  console.log(`published ${changeCount} config changes to ${serviceCount} services`);
  await waitUntil(() => services.every((s) => received.get(s)!.size >= changeCount), 60_000);
  await sleep(300); // a stray extra delivery would show up here
  await Promise.all(subs.map((s) => s.close({ drainTimeoutMs: 5_000 })));
  await broker.close();

  for (const s of services)
    console.log(
      `  ${s.padEnd(8)} received ${received.get(s)!.size}/${changeCount}, applied version ${applied.get(s)}`,
    );
  v.check(
    services.every((s) => ids.every((id) => received.get(s)!.has(id))),
    `every service received every change (${serviceCount} x ${changeCount})`,
  );
  v.check(
    services.every((s) => applied.get(s) === changeCount),
    `every service ended on version ${changeCount}`,
  );
  v.finish('broadcast', startedAt);
}

run('broadcast', main);
