/**
 * Soak mode of the fault tests (issue 16): a keyed stream runs for minutes while broker kills and
 * network cuts (or, on the embedded broker, injected faults and consumer crashes) come in turn, and
 * the run reports events sent, received, duplicated, lost and out of order per key.
 *
 * Off in CI (no test runs it); turned on by its npm script:
 *
 *   EVENTPORT_SOAK_MINUTES=3 npm run -w integration-tests soak -- memory kafka elasticmq pubsub eventgrid eventhubs
 *
 * Environment: EVENTPORT_SOAK_MINUTES (stream length, default 3), EVENTPORT_SOAK_PERIOD_S (one fault
 * per period, default 30), EVENTPORT_SOAK_OUTAGE_MS (how long a fault lasts, default 5000),
 * EVENTPORT_SOAK_FAULTS (only these of a target's faults, e.g. `cut` or `kill`; default all). Needs
 * the brokers' installs (`npm run brokers -- up kafka elasticmq pubsub azurite` once); it starts
 * private Kafka, ElasticMQ, Pub/Sub, Event Grid and Event Hubs nodes on free ports behind switchable
 * proxies and kills only those (Event Hubs' checkpoints go to the shared Azurite, never killed).
 * Prints one Markdown row per target (and its JSON).
 *
 * Bounded: the stream stops after its minutes; catching up is bounded by 3 minutes; every target's
 * nodes are destroyed in `finally`.
 */
import { connect, silentLogger, type Broker, type EventInput, type Subscription } from '@eventport/core';
import { StreamTally, type StreamCounts } from './stream-tally.js';
import { openTarget, TARGETS, type SoakTarget, type TargetName } from './targets.js';

const MINUTES = Number(process.env.EVENTPORT_SOAK_MINUTES ?? '3');
const PERIOD_MS = Number(process.env.EVENTPORT_SOAK_PERIOD_S ?? '30') * 1_000;
const OUTAGE_MS = Number(process.env.EVENTPORT_SOAK_OUTAGE_MS ?? '5000');
const KEYS = 8;
const BATCH = 10;
const PAUSE_MS = 50; // between batches: at most ~200 events/s
const CATCH_UP_MS = 180_000;
const ONLY_FAULTS = process.env.EVENTPORT_SOAK_FAULTS?.split(',').map((f) => f.trim());

function chosenFaults(target: SoakTarget): SoakTarget['faults'] {
  if (ONLY_FAULTS === undefined) return target.faults;
  const faults = target.faults.filter((f) => ONLY_FAULTS.includes(f === 'consumer-crash' ? f : f.name));
  if (faults.length === 0) throw new Error(`${target.name} has none of the faults ${ONLY_FAULTS.join(', ')}`);
  return faults;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Row extends StreamCounts {
  readonly target: string;
  readonly settings: string;
  readonly minutes: number;
  readonly faults: string;
  readonly sendRetries: number;
  readonly consumerRestarts: number;
  readonly catchUpS: number;
  /** Of `lost`: acknowledged, unhandled when a broker that keeps nothing was killed (lost by design). */
  readonly lostInEmptyingKills: number;
  readonly firstBad: readonly string[];
}

async function soak(target: SoakTarget): Promise<Row> {
  const tally = new StreamTally(KEYS);
  const topic = `soak-${Date.now().toString(36)}`;
  const injected = new Map<string, number>();
  const unhandledAtEmptyingKills = new Set<string>();
  let sendRetries = 0;
  let consumerRestarts = 0;
  const broker: Broker = await connect(target.url, { logger: silentLogger });
  let sub: Subscription | undefined;
  try {
    await broker.createTopic(topic).catch(() => undefined);
    const subscribe = async (): Promise<Subscription> => {
      for (;;) {
        try {
          return await broker
            .consumer(topic, target.consumer)
            .subscribe((e) => tally.received((e.data as { k: number }).k, (e.data as { s: number }).s));
        } catch {
          await sleep(500); // the broker is away: try again
        }
      }
    };
    sub = await subscribe();
    const end = Date.now() + MINUTES * 60_000;

    const producer = broker.producer(topic, {
      retry: { attempts: 8, initialDelayMs: 100, maxDelayMs: 1_000 },
    });
    const seq = new Array<number>(KEYS).fill(0);
    const produce = async (): Promise<void> => {
      let i = 0;
      while (Date.now() < end) {
        const batch = Array.from({ length: BATCH }, () => {
          const k = i++ % KEYS;
          return { k, s: seq[k]!++ };
        });
        const events: EventInput[] = batch.map(({ k, s }) => ({
          id: `soak-${k}-${s}`,
          type: 'soak.event',
          source: '/eventport/soak',
          key: `key-${k}`,
          data: { k, s },
        }));
        // a failed send is sent again (same ids) until it succeeds: what a careful producer does
        for (;;) {
          try {
            await producer.send(events);
            break;
          } catch (err) {
            sendRetries++;
            if (Date.now() > end + CATCH_UP_MS) throw err;
            await sleep(500);
          }
        }
        for (const { k, s } of batch) tally.sent(k, s);
        await sleep(PAUSE_MS);
      }
    };

    const faults = chosenFaults(target);
    const cycleFaults = async (): Promise<void> => {
      for (let n = 0; Date.now() + PERIOD_MS < end; n++) {
        await sleep(PERIOD_MS - OUTAGE_MS);
        const fault = faults[n % faults.length]!;
        const name = fault === 'consumer-crash' ? fault : fault.name;
        injected.set(name, (injected.get(name) ?? 0) + 1);
        if (fault === 'consumer-crash') {
          await sub!.close({ drainTimeoutMs: 0 });
          consumerRestarts++;
          sub = await subscribe();
          await sleep(OUTAGE_MS);
          continue;
        }
        await fault.inject();
        if (fault.emptiesBroker === true) for (const e of tally.unhandled()) unhandledAtEmptyingKills.add(e);
        await sleep(OUTAGE_MS);
        await fault.heal();
        if (fault.emptiesBroker === true) {
          // the broker came back empty: the topic is made again, the subscription replaced
          await broker.createTopic(topic).catch(() => undefined);
          const old = sub!;
          sub = await subscribe();
          consumerRestarts++;
          await old.close({ drainTimeoutMs: 0 }).catch(() => undefined);
        }
      }
    };

    // a consumer that died is replaced (and counted)
    let stopping = false;
    const guard = (async () => {
      while (!stopping) {
        const current: Subscription = sub!;
        const died = await Promise.race([
          current.done.then(
            () => false,
            () => true,
          ),
          sleep(1_000).then(() => false),
        ]);
        if (died && !stopping && current === sub) {
          consumerRestarts++;
          sub = await subscribe();
        }
      }
    })();

    await Promise.all([produce(), cycleFaults()]);
    const caughtUpFrom = Date.now();
    const expected = (): boolean =>
      tally.caughtUp() || tally.counts().lost === tally.neverHandled(unhandledAtEmptyingKills); // only the kills' by-design losses left
    while (!expected() && Date.now() - caughtUpFrom < CATCH_UP_MS) await sleep(100);
    const catchUpS = Math.round((Date.now() - caughtUpFrom) / 100) / 10;
    await sleep(5_000); // late redeliveries
    stopping = true;
    await guard;
    return {
      target: target.name,
      settings: target.settings,
      minutes: MINUTES,
      faults: [...injected].map(([f, c]) => `${c} x ${f}`).join(', '),
      sendRetries,
      consumerRestarts,
      catchUpS,
      lostInEmptyingKills: tally.neverHandled(unhandledAtEmptyingKills),
      ...tally.counts(),
      firstBad: tally.firstBad,
    };
  } finally {
    await sub?.close({ drainTimeoutMs: 1_000 }).catch(() => undefined);
    await broker.deleteTopic(topic).catch(() => undefined);
    await broker.close().catch(() => undefined);
  }
}

function markdown(r: Row): string {
  return `| ${r.target} | ${r.minutes} min, ${r.faults} | ${r.sent} | ${r.received} | ${r.duplicates} | ${r.lost - r.lostInEmptyingKills}${r.lostInEmptyingKills > 0 ? ` (+ ${r.lostInEmptyingKills} unhandled when an emulator that keeps nothing was killed)` : ''} | ${r.outOfOrder} | ${r.redeliveredAfterLater} | ${r.sendRetries} / ${r.consumerRestarts} | ${r.catchUpS} s |`;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const chosen = (names.length > 0 ? names : [...TARGETS]) as TargetName[];
  for (const n of chosen)
    if (!(TARGETS as readonly string[]).includes(n))
      throw new Error(`unknown target "${n}"; known: ${TARGETS.join(', ')}`);
  process.stdout.write(
    `soak: ${MINUTES} min per target, one fault every ${PERIOD_MS / 1_000} s lasting ${OUTAGE_MS} ms, ${KEYS} keys, started ${new Date().toISOString()}\n`,
  );
  process.stdout.write(
    '| target | run | sent | received | duplicates | lost | out of order | redelivered after a later one | send retries / consumer restarts | catch-up |\n|---|---|---|---|---|---|---|---|---|---|\n',
  );
  const rows: Row[] = [];
  for (const name of chosen) {
    const target = await openTarget(name);
    try {
      const row = await soak(target);
      rows.push(row);
      process.stdout.write(`${markdown(row)}\n`);
    } finally {
      await target.teardown();
    }
  }
  process.stdout.write(`\n${JSON.stringify(rows, null, 1)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
