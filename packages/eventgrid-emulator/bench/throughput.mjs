// Throughput of the Event Grid emulator through the real Azure clients, on loopback:
// N events of 1 KB published to a namespace topic and received + acknowledged by pull, then
// published to a basic topic and pushed to a local node:http webhook.
// Run after `npx tsc --build packages/eventgrid-emulator`:
//   node packages/eventgrid-emulator/bench/throughput.mjs [events]
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { EventGridReceiverClient, EventGridSenderClient } from '@azure/eventgrid-namespaces';
import { startEmulator } from '../dist/index.js';

const { fetch } = globalThis;
const TOTAL = Number(process.argv[2] ?? 20_000);
const BATCH = 100;
const PARALLEL = 8;
const payload = { text: 'x'.repeat(1000) }; // ~1 KB per event on the wire
// A fresh object per client: the namespaces client writes its apiVersion into the options it is given.
const options = () => ({ allowInsecureConnection: true });
const credential = new AzureKeyCredential('eventport-dev-key');

/** Runs `task(i)` for i in [0, count) with at most `parallel` running. */
async function pool(count, parallel, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
const rate = (n, ms) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} events/s`;

const emulator = await startEmulator({ port: 0 });
try {
  await fetch(`${emulator.url}/admin/namespaces/topics/bench/eventSubscriptions/pull`, {
    method: 'PUT',
    body: '{}',
  });
  const sender = new EventGridSenderClient(emulator.url, credential, 'bench', options());
  let t0 = performance.now();
  await pool(TOTAL / BATCH, PARALLEL, (b) =>
    sender.sendEvents(
      Array.from({ length: BATCH }, (_, i) => ({
        type: 't',
        source: '/bench',
        id: `${b}-${i}`,
        data: payload,
      })),
    ),
  );
  const publishMs = performance.now() - t0;
  t0 = performance.now();
  let received = 0;
  let allReceived;
  const receivedAll = new Promise((resolve) => (allReceived = resolve));
  // Receivers still long-polling once everything is in are answered (empty) by emulator.close().
  void Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      const receiver = new EventGridReceiverClient(emulator.url, credential, 'bench', 'pull', options());
      while (received < TOTAL) {
        const { details } = await receiver.receiveEvents({ maxEvents: 100, maxWaitTime: 10 });
        if (details.length === 0) break;
        await receiver.acknowledgeEvents(details.map((d) => d.brokerProperties.lockToken));
        received += details.length;
        if (received >= TOTAL) allReceived();
      }
    }),
  ).catch(() => undefined);
  await receivedAll;
  const receiveMs = performance.now() - t0;
  console.log(
    `namespace publish (batches of ${BATCH}, ${PARALLEL} in flight): ${TOTAL} events in ${publishMs.toFixed(0)} ms, ${rate(TOTAL, publishMs)}`,
  );
  console.log(
    `namespace receive + acknowledge (maxEvents 100, ${PARALLEL} receivers): ${received} events in ${receiveMs.toFixed(0)} ms, ${rate(received, receiveMs)}`,
  );

  let pushed = 0;
  let allPushed;
  const done = new Promise((resolve) => (allPushed = resolve));
  const webhook = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'OPTIONS') res.setHeader('WebHook-Allowed-Origin', '*');
      res.end();
      if (req.headers['aeg-event-type'] === 'Notification' && ++pushed === TOTAL) allPushed();
    });
  });
  await new Promise((r) => webhook.listen(0, '127.0.0.1', r));
  await fetch(`${emulator.url}/admin/topics/push`, {
    method: 'PUT',
    body: JSON.stringify({ inputSchema: 'CloudEventSchemaV1_0' }),
  });
  const sub = await fetch(`${emulator.url}/admin/topics/push/eventSubscriptions/bench`, {
    method: 'PUT',
    body: JSON.stringify({ endpointUrl: `http://127.0.0.1:${webhook.address().port}/` }),
  });
  if (sub.status !== 201) throw new Error(`subscription: HTTP ${sub.status} ${await sub.text()}`);
  const publisher = new EventGridPublisherClient(
    `${emulator.url}/topics/push/api/events`,
    'CloudEvent',
    credential,
    options(),
  );
  t0 = performance.now();
  await pool(TOTAL / BATCH, PARALLEL, (b) =>
    publisher.send(
      Array.from({ length: BATCH }, (_, i) => ({
        type: 't',
        source: '/bench',
        id: `${b}-${i}`,
        data: payload,
      })),
    ),
  );
  const pushPublishMs = performance.now() - t0;
  await done;
  const pushMs = performance.now() - t0;
  console.log(
    `basic publish (CloudEvents batches of ${BATCH}): ${TOTAL} events in ${pushPublishMs.toFixed(0)} ms, ${rate(TOTAL, pushPublishMs)}`,
  );
  console.log(
    `push to a local webhook (one event per request, ${emulator.options.pushConcurrency} in flight), publish start to last delivery: ${pushed} events in ${pushMs.toFixed(0)} ms, ${rate(pushed, pushMs)}`,
  );
  webhook.closeAllConnections();
  webhook.close();
} finally {
  await emulator.close();
}
