/**
 * Load levelling (buffering).
 *  - A fast producer sends a burst of 50,000 events as quickly as the broker takes them.
 *  - A slow consumer (each event takes --work-ms, a few handlers at a time) drains them at its own
 *    pace; the broker holds the backlog. maxInFlight bounds what the consumer has received and not
 *    yet settled, so its memory does not grow with the burst.
 *  - Every 250 ms the example samples the backlog (sent minus handled) and prints the curve at
 *    the end.
 * Promise (exit code 0): every event handled (no loss; duplicates from a redelivery are counted),
 * and in-flight events never above maxInFlight.
 * Usage: node dist/main.js [url] [--events N] [--work-ms MS] [--concurrency N]
 */
import { connect, type Event } from '@eventport/core';
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

/** What the consumer needs, and why (see README). */
const REQUIRES = ['consume.at-least-once', 'publish.at-least-once'];
const MAX_IN_FLIGHT = 200;

interface Sample {
  readonly t: number;
  readonly sent: number;
  readonly handled: number;
  readonly inFlight: number;
  readonly heapMiB: number;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({
    events: { type: 'string' },
    'work-ms': { type: 'string' },
    concurrency: { type: 'string' },
  });
  const total = numberOption(values.events, 'events', 50_000, 1);
  const workMs = numberOption(values['work-ms'], 'work-ms', 2);
  const concurrency = numberOption(values.concurrency, 'concurrency', 20, 1);
  const broker = await connect(url);
  console.log(`connected to ${broker}; requires ${REQUIRES.join(', ')}`);
  const topic = `burst-${RUN_ID}`;
  await ensureTopic(broker, topic, 4);

  const seen = new Set<number>();
  let duplicates = 0;
  const sub = await broker
    .consumer(topic, {
      group: 'slow-consumer',
      from: 'earliest',
      require: REQUIRES,
      ordering: 'none',
      concurrency,
      maxInFlight: MAX_IN_FLIGHT,
    })
    .subscribe(async (event: Event) => {
      await sleep(workMs); // the slow part: a database write, a third-party API
      const n = (event.data as { n: number }).n;
      if (seen.has(n)) duplicates++;
      else seen.add(n);
    });

  let sent = 0;
  const samples: Sample[] = [];
  const sample = (): void => {
    const s = sub.stats;
    samples.push({
      t: Date.now() - startedAt,
      sent,
      handled: seen.size,
      inFlight: s.received - s.handled - s.deadLettered - s.duplicatesSkipped,
      heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
    });
  };
  const sampler = setInterval(sample, 250);

  // The burst: chunks of 1,000, each sent as soon as the broker acknowledged the previous one.
  const producer = broker.producer(topic, { delivery: 'at-least-once' });
  const burstStart = Date.now();
  for (let i = 0; i < total; i += 1_000) {
    const chunk = Array.from({ length: Math.min(1_000, total - i) }, (_, j) => ({
      type: 'work.item',
      source: '/burst',
      data: { n: i + j },
    }));
    sent += chunk.length; // handed to the producer (a chunk may be handled before its acknowledgement returns)
    await producer.send(chunk);
    await sleep(0); // yield a turn, as a producer serving requests would (and let the sampler run)
  }
  const burstMs = Date.now() - burstStart;
  console.log(`burst: ${total} events accepted by the broker in ${(burstMs / 1000).toFixed(1)} s; draining`);
  const drained = await waitUntil(() => seen.size >= total, 300_000);
  sample();
  clearInterval(sampler);
  const drainMs = Date.now() - burstStart;
  await sleep(200);
  await sub.close({ drainTimeoutMs: 5_000 });
  await broker.close();

  printCurve(samples, total);
  const peakBacklog = Math.max(...samples.map((s) => s.sent - s.handled));
  const peakInFlight = Math.max(...samples.map((s) => s.inFlight));
  console.log(
    `producer ${((total * 1000) / Math.max(burstMs, 1)).toFixed(0)} ev/s, consumer ${((total * 1000) / drainMs).toFixed(0)} ev/s; peak backlog ${peakBacklog}, peak in flight ${peakInFlight}/${MAX_IN_FLIGHT}`,
  );
  const v = new Verdict();
  v.check(
    drained && seen.size === total,
    `every event handled (${seen.size}/${total}, ${duplicates} duplicates)`,
  );
  v.check(
    peakInFlight <= MAX_IN_FLIGHT,
    `in-flight events never above maxInFlight (${peakInFlight}/${MAX_IN_FLIGHT})`,
  );
  v.finish('load-levelling', startedAt);
}

/** The backlog over time, one bar per sample (at most 40 rows). */
function printCurve(samples: readonly Sample[], total: number): void {
  const step = Math.max(1, Math.ceil(samples.length / 40));
  console.log('   time      sent   handled   backlog  in flight  heap');
  for (let i = 0; i < samples.length; i += step) {
    const s = samples[i]!;
    const backlog = s.sent - s.handled;
    const bar = '#'.repeat(Math.max(0, Math.round((backlog / total) * 40)));
    console.log(
      `${(s.t / 1000).toFixed(2).padStart(6)}s ${String(s.sent).padStart(8)} ${String(s.handled).padStart(9)} ${String(backlog).padStart(9)} ${String(s.inFlight).padStart(10)} ${s.heapMiB.toFixed(0).padStart(4)}M ${bar}`,
    );
  }
}

run('load-levelling', main);
