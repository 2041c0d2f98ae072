/**
 * The ledger worker as its own process (what the example kills with SIGKILL), and the probe that
 * tells whether another process can reach the broker at all.
 *   node dist/worker-main.js <url> <topic> <dir> [--crash-after N] [--skip-reconcile]
 *   node dist/worker-main.js --probe <url> <topic> <probe-event-id>
 * Protocol on stdout: "ready", "crash-window <paymentId>", "stats <json>", "probe shared|local".
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connect, type Event } from '@eventport/core';
import { PROBE_CONSUMER, startWorker } from './worker.js';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    probe: { type: 'boolean' },
    'crash-after': { type: 'string' },
    'skip-reconcile': { type: 'boolean' },
  },
  allowPositionals: true,
});

async function probe(url: string, topic: string, probeId: string): Promise<void> {
  const broker = await connect(url);
  const marker = `marker-${randomUUID()}`;
  let seen = false;
  let markerAt: number | undefined;
  const sub = await broker.consumer(topic, PROBE_CONSUMER).subscribe((event: Event) => {
    if (event.id === probeId) seen = true;
    if (event.id === marker) markerAt ??= Date.now();
  });
  await broker
    .producer(topic)
    .send({ id: marker, type: 'probe.marker', source: '/payments/probe', key: 'probe' });
  // The parent's probe was sent before this process started: on a shared broker it arrives; when
  // this process's own marker has arrived and 2 s later the probe still has not, the broker is
  // local to each process.
  const deadline = Date.now() + 30_000;
  while (!seen && Date.now() < deadline && (markerAt === undefined || Date.now() - markerAt < 2_000)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await sub.close({ drainTimeoutMs: 2_000 });
  await broker.close();
  console.log(seen ? 'probe shared' : 'probe local');
}

async function worker(url: string, topic: string, dir: string): Promise<void> {
  const crashAfter = values['crash-after'] === undefined ? undefined : Number(values['crash-after']);
  const running = await startWorker({
    url,
    topic,
    dir,
    crashAfter,
    skipReconcile: values['skip-reconcile'] === true,
    onCrashWindow: (paymentId) => console.log(`crash-window ${paymentId}`),
  });
  console.log('ready');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  const stats = await running.stop();
  console.log(`stats ${JSON.stringify({ ...stats, charged: running.charged() })}`);
}

const [url, topic, third] = positionals;
if (url === undefined || topic === undefined || third === undefined) {
  console.error(
    'usage: worker-main <url> <topic> <dir> [--crash-after N] | --probe <url> <topic> <probe-id>',
  );
  process.exit(2);
}
(values.probe === true ? probe(url, topic, third) : worker(url, topic, third)).catch((err: unknown) => {
  console.error(`worker failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
