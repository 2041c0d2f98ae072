/**
 * Event Grid push: EventPort's push endpoint (core's PushEndpoint + the Event Grid codec + the
 * consumer engine, mounted through `broker.raw().pushHandler` in a node:http server) against a
 * bare node:http handler doing the same work (read the body, check the secret, parse it with the
 * same Event Grid codec, call the handler, answer 200). One load generator in the same process
 * POSTs 1 KB CloudEvents, one per request (the service's default), from `concurrency` keep-alive
 * connections, as Event Grid does. Paired: the contenders alternate, `rounds` times, same run.
 *
 * Usage: node bench/dist/eventgrid-push-bench.js [events=20000] [rounds=3] [concurrency=16]
 * No broker is needed: the connection names a non-loopback endpoint, so it creates no event
 * subscription (it only serves pushes).
 */
import http from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, silentLogger, type Event } from '@eventport/core';
import { eventGridPushCodec, type EventGridNative } from '@eventport/eventgrid';
import { bounded, fmt, gc } from './stats.js';

const events = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const concurrency = Number(process.argv[4] ?? 16);
const SECRET = 'bench-secret';

interface Server {
  readonly url: string;
  handled(): number;
  close(): Promise<void>;
}

function listen(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function work(e: Event): number {
  return (e.data as { seq: number }).seq; // the handler body: as small as it gets
}

async function eventPort(): Promise<Server> {
  let handled = 0;
  let mounted: http.RequestListener = (_q, s) => s.writeHead(503).end();
  const server = await listen((req, res) => mounted(req, res));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const broker = await connect(
    {
      kind: 'eventgrid',
      endpoint: 'https://bench.invalid',
      key: 'unused',
      mode: 'basic',
      listen: 'off',
      pushEndpoint: base,
      pushSecret: SECRET,
    },
    { logger: silentLogger },
  );
  mounted = (broker.raw() as EventGridNative).pushHandler;
  const sub = await broker
    .consumer('bench', { group: 'bench', concurrency: 64, maxInFlight: 1024 })
    .subscribe((e) => {
      work(e);
      handled++;
    });
  return {
    url: `${base}/eventgrid/bench/bench?secret=${SECRET}`,
    handled: () => handled,
    close: async () => {
      await sub.close();
      await broker.close();
      await closeServer(server);
    },
  };
}

async function bare(): Promise<Server> {
  let handled = 0;
  const expected = createHash('sha256').update(SECRET).digest();
  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const given = createHash('sha256')
        .update(url.searchParams.get('secret') ?? '')
        .digest();
      if (!timingSafeEqual(given, expected)) return void res.writeHead(401).end();
      const pushed = eventGridPushCodec.decode({
        method: 'POST',
        url,
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      for (const p of pushed) {
        work(p.event);
        handled++;
      }
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/eventgrid/bench/bench?secret=${SECRET}`,
    handled: () => handled,
    close: () => closeServer(server),
  };
}

/**
 * POSTs `events` single-event requests from `concurrency` workers; resolves with events/s and the
 * process CPU per event in µs (load generator included, the same for both contenders; far less
 * sensitive than the rate to other work on a shared machine).
 */
async function load(target: Server): Promise<{ rate: number; cpuUs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(target.url);
  const filler = 'x'.repeat(900);
  let next = 0;
  let failures = 0;
  const post = (seq: number): Promise<void> =>
    new Promise((resolve) => {
      const body = JSON.stringify({
        specversion: '1.0',
        id: `e-${seq}`,
        source: '/bench',
        type: 'bench.event',
        datacontenttype: 'application/json',
        data: { seq, filler },
      });
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/cloudevents+json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            'aeg-event-type': 'Notification',
            'aeg-delivery-count': '0',
          },
        },
        (res) => {
          if (res.statusCode !== 200) failures++;
          res.resume().on('end', () => resolve());
        },
      );
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end(body);
    });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await bounded(
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < events) await post(next++);
      }),
    ),
    'the load',
    300_000,
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  if (failures > 0 || target.handled() !== events)
    throw new Error(`${failures} failed requests, ${target.handled()} of ${events} handled`);
  return { rate: events / seconds, cpuUs: (cpu.user + cpu.system) / events };
}

async function main(): Promise<void> {
  console.log(
    `Event Grid push: ${fmt(events)} events of ~1 KB, one per request, ${concurrency} connections, ${rounds} paired rounds`,
  );
  for (let round = 1; round <= rounds; round++) {
    const rates: Record<string, { rate: number; cpuUs: number }> = {};
    for (const [name, make] of [
      ['bare node:http', bare],
      ['EventPort push', eventPort],
    ] as const) {
      gc();
      const server = await make();
      try {
        rates[name] = await load(server);
      } finally {
        await server.close();
      }
    }
    const b = rates['bare node:http']!;
    const e = rates['EventPort push']!;
    console.log(
      `round ${round}: bare ${fmt(b.rate)} events/s (${fmt(b.cpuUs, 1)} µs CPU/event), EventPort ${fmt(e.rate)} events/s (${fmt(e.cpuUs, 1)} µs CPU/event); rate ratio ${(e.rate / b.rate).toFixed(2)}x, CPU ratio ${(b.cpuUs / e.cpuUs).toFixed(2)}x`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
