/**
 * Reliable payments.
 *  - The payment API publishes N payments at least once, with idempotent publish where the broker
 *    has it, and then resends some of them (a client retrying after a timeout: same ids).
 *  - The ledger worker (worker.ts) consumes exactly once: each charge is appended to a ledger
 *    file, the event recorded in a durable FileIdempotencyStore, then acknowledged. A poison
 *    payment (a currency nobody settles) is dead-lettered with the reason.
 *  - Mid-stream the worker process is killed with SIGKILL right after a charge was written and
 *    before it was recorded or acknowledged; a new worker process is started on the same files.
 * Promise (exit code 0): every valid payment charged exactly once (nothing lost, nothing charged
 * twice, the ledger total is right), the poison payment dead-lettered with its reason, and the
 * event from the crash window redelivered and skipped.
 *
 * Where the broker lives inside each process (a probe shows another process cannot see its
 * events), the worker runs in this process and the crash is simulated at the same point: the
 * worker is abandoned, its unsettled events given back unacknowledged.
 * Usage: node dist/main.js [url] [--payments N] [--skip-reconcile]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect, DEAD_LETTER_REASON, type Event, type EventInput } from '@eventport/core';
import { readLedger, samplePayments } from './ledger.js';
import {
  canRun,
  commandLine,
  ensureTopic,
  EXIT_UNSUPPORTED,
  numberOption,
  registerGroup,
  run,
  RUN_ID,
  Verdict,
  waitUntil,
} from '@eventport/example-support';
import {
  ledgerPath,
  PROBE_CONSUMER,
  startWorker,
  WORKER_CONSUMER,
  WORKER_REQUIRES,
  type RunningWorker,
} from './worker.js';

const WORKER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-main.js');

/** A worker, either its own process or (on a process-local broker) in this one. */
interface WorkerHandle {
  /** Resolves with the payment id in the crash window (rejects after the timeout). */
  readonly crashWindow: Promise<string>;
  kill(): Promise<void>;
  stop(): Promise<{ duplicatesSkipped: number; deadLettered: number } | undefined>;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({
    payments: { type: 'string' },
    'skip-reconcile': { type: 'boolean' },
  });
  const count = numberOption(values.payments, 'payments', 200, 10);
  const skipReconcile = values['skip-reconcile'] === true;
  const broker = await connect(url);
  console.log(`connected to ${broker}; the worker requires ${WORKER_REQUIRES.join(', ')}`);
  if (!canRun(broker, WORKER_REQUIRES)) {
    await broker.close();
    process.exitCode = EXIT_UNSUPPORTED;
    return;
  }
  const topic = `payments-${RUN_ID}`;
  const dlq = `${topic}.dlq`;
  const probeTopic = `payments-probe-${RUN_ID}`;
  for (const t of [topic, dlq, probeTopic]) await ensureTopic(broker, t);
  const dir = mkdtempSync(path.join(tmpdir(), 'eventport-payments-'));

  // Groups exist before anything is published for them (where a group is a subscription, it only
  // holds what came after it): the probe's, and the ledger worker's with the worker's options.
  await registerGroup(broker, probeTopic, PROBE_CONSUMER);
  await registerGroup(broker, topic, WORKER_CONSUMER);

  // Can another process reach this broker? (decides a real SIGKILL or an in-process crash)
  const probeId = `probe-${RUN_ID}`;
  await broker
    .producer(probeTopic)
    .send({ id: probeId, type: 'probe', source: '/payments/probe', key: 'probe' });
  const shared = (await runChild(['--probe', url, probeTopic, probeId])).includes('probe shared');
  console.log(
    shared
      ? 'the broker is reachable from other processes: the worker runs as a child process and is killed with SIGKILL'
      : 'the broker lives inside each process (a child process did not see this one’s probe event): the worker runs in this process and its crash is simulated',
  );

  // The payment API: at-least-once, idempotent where the broker can drop resends itself.
  const idempotent = broker.capabilities.supports('publish.idempotent');
  const payments = samplePayments(count, Math.floor(count * 0.7));
  const poison = payments[Math.floor(count * 0.7)]!;
  const inputs: EventInput[] = payments.map((p) => ({
    id: p.paymentId,
    type: 'payment.requested',
    source: '/payments/api',
    key: p.account,
    subject: p.paymentId,
    data: p,
  }));
  const api = broker.producer(topic, { delivery: idempotent ? 'exactly-once' : 'at-least-once' });
  await api.send(inputs);
  const resends = await api.send(inputs.slice(0, 10)); // a client retrying after a timeout
  const dropped = resends.filter((r) => r.duplicate === true).length;
  console.log(
    `payment API sent ${count} payments and resent 10 (${idempotent ? `publish.idempotent ${broker.capabilities.get('publish.idempotent').level}: ${dropped} resends recognised as duplicates` : 'publish.idempotent unsupported: the resends are stored; the consumer must skip them'})`,
  );

  // Dead letters, read by operations.
  const deadLetters: Event[] = [];
  const ops = await broker
    .consumer(dlq, { group: 'ops', from: 'earliest' })
    .subscribe((e: Event) => void deadLetters.push(e));

  // Phase 1: a worker, killed right after a charge, before it was recorded and acknowledged.
  const crashAfter = Math.floor(count * 0.4);
  const first = shared
    ? childWorker(url, topic, dir, ['--crash-after', String(crashAfter)], skipReconcile)
    : await inProcessWorker(url, topic, dir, crashAfter, skipReconcile);
  const inWindow = await first.crashWindow;
  await first.kill();
  const afterCrash = readLedger(ledgerPath(dir)).length;
  console.log(
    `worker killed after ${afterCrash} charges; ${inWindow} was charged but neither recorded nor acknowledged`,
  );

  // Phase 2: a new worker on the same ledger and idempotency store.
  const second = shared
    ? childWorker(url, topic, dir, [], skipReconcile)
    : await inProcessWorker(url, topic, dir, undefined, skipReconcile);
  const valid = new Set(payments.filter((p) => p !== poison).map((p) => p.paymentId));
  const charged = (): Set<string> => new Set(readLedger(ledgerPath(dir)).map((c) => c.paymentId));
  const done = await waitUntil(() => charged().size >= valid.size && deadLetters.length >= 1, 90_000);
  if (!done) console.log('timed out waiting for every payment to be charged');
  await new Promise((r) => setTimeout(r, 1_000)); // room for a duplicate charge to show up
  const stats = await second.stop();
  await ops.close({ drainTimeoutMs: 2_000 });
  await broker.close();

  const ledger = readLedger(ledgerPath(dir));
  const perPayment = new Map<string, number>();
  for (const c of ledger) perPayment.set(c.paymentId, (perPayment.get(c.paymentId) ?? 0) + 1);
  const twice = [...perPayment].filter(([, n]) => n > 1).map(([id]) => id);
  const missing = [...valid].filter((id) => !perPayment.has(id));
  const expectedTotal = payments.filter((p) => p !== poison).reduce((s, p) => s + p.amountCents, 0);
  const total = ledger.reduce((s, c) => s + c.amountCents, 0);
  console.log(
    `ledger: ${ledger.length} charges, total ${(total / 100).toFixed(2)} (expected ${(expectedTotal / 100).toFixed(2)})`,
  );
  for (const dl of deadLetters)
    console.log(`dead-letter ${String(dl.subject)}: ${String(dl.extensions[DEAD_LETTER_REASON])}`);
  console.log(`restarted worker: ${stats?.duplicatesSkipped ?? '?'} redelivered or resent payments skipped`);

  const v = new Verdict();
  v.check(
    missing.length === 0,
    `nothing lost: ${valid.size - missing.length}/${valid.size} valid payments charged`,
  );
  v.check(twice.length === 0, `nothing charged twice${twice.length > 0 ? `: ${twice.join(', ')}` : ''}`);
  v.check(total === expectedTotal, 'the ledger total is the sum of the valid payments');
  v.check(!perPayment.has(poison.paymentId), `the poison payment ${poison.paymentId} was not charged`);
  // Dead-lettering is at-least-once: a worker killed after its dead-letter publish and before the
  // acknowledgement leaves the payment to the next worker, which dead-letters it again (same event
  // id). Operations count dead letters by event id.
  const deadLetterIds = new Set(deadLetters.map((dl) => dl.id));
  if (deadLetters.length > deadLetterIds.size)
    console.log(
      `  (${deadLetters.length} copies of ${deadLetterIds.size} dead letter(s): repeated after the crash)`,
    );
  v.check(
    deadLetterIds.size === 1 &&
      deadLetters.every(
        (dl) =>
          dl.subject === poison.paymentId &&
          String(dl.extensions[DEAD_LETTER_REASON]).includes('unsupported currency'),
      ),
    'the poison payment was dead-lettered once (one event id), with the reason',
  );
  v.check(afterCrash >= crashAfter && afterCrash < ledger.length, 'the worker was killed mid-stream');
  v.check(
    (stats?.duplicatesSkipped ?? 0) >= 1,
    'the restarted worker skipped the redelivered crash-window payment',
  );
  rmSync(dir, { recursive: true, force: true });
  v.finish('payments', startedAt);
}

/** Runs a child to completion (bounded) and returns its stdout. */
function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** The worker as a child process, killed with SIGKILL. */
function childWorker(
  url: string,
  topic: string,
  dir: string,
  extra: string[],
  skipReconcile: boolean,
): WorkerHandle {
  const args = [WORKER_SCRIPT, url, topic, dir, ...extra, ...(skipReconcile ? ['--skip-reconcile'] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stats: { duplicatesSkipped: number; deadLettered: number } | undefined;
  const crashWindow = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker never reached the crash point')), 90_000);
    void exited.then(() => clearTimeout(timer));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('crash-window ')) {
        clearTimeout(timer);
        resolve(line.slice('crash-window '.length));
      } else if (line.startsWith('stats ')) stats = JSON.parse(line.slice(6)) as typeof stats;
      else if (line !== 'ready') console.log(`  [worker ${child.pid}] ${line}`);
    });
  });
  crashWindow.catch(() => undefined);
  return {
    crashWindow,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      return stats;
    },
  };
}

/** The worker in this process; "kill" abandons it at the same point. */
async function inProcessWorker(
  url: string,
  topic: string,
  dir: string,
  crashAfter: number | undefined,
  skipReconcile: boolean,
): Promise<WorkerHandle> {
  let reached!: (id: string) => void;
  const crashWindow = new Promise<string>((resolve) => (reached = resolve));
  const worker: RunningWorker = await startWorker({
    url,
    topic,
    dir,
    crashAfter,
    skipReconcile,
    onCrashWindow: reached,
  });
  return {
    crashWindow: Promise.race([
      crashWindow,
      new Promise<string>((_, reject) =>
        setTimeout(() => reject(new Error('the worker never reached the crash point')), 90_000).unref(),
      ),
    ]),
    kill: () => worker.abandon(),
    stop: () => worker.stop(),
  };
}

run('payments', main);
