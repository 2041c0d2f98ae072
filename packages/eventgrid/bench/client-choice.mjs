#!/usr/bin/env node
// Why @eventport/eventgrid talks to namespace topics through its own thin client instead of
// @azure/eventgrid-namespaces 1.0.0: attribute fidelity and throughput, measured in one process
// against the in-process emulator (loopback only). Needs the packages built (npm run build).
//
//   node packages/eventgrid/bench/client-choice.mjs [events=10000]
/* global performance */
import { startEmulator } from '@eventport/eventgrid-emulator';
import {
  AzureKeyCredential,
  EventGridReceiverClient,
  EventGridSenderClient,
} from '@azure/eventgrid-namespaces';
import { NamespaceClient, batchBody, encodeEvent, parseEventGridConfig } from '@eventport/eventgrid';
import { createEvent } from '@eventport/core/driver';

const N = Number(process.argv[2] ?? 10_000);
const BATCH = 100;
const IN_FLIGHT = 8;
const emulator = await startEmulator({ port: 0 });
const key = emulator.key;
const cred = new AzureKeyCredential(key);
const { config } = parseEventGridConfig(
  new URL(`eventgrid://127.0.0.1:${new URL(emulator.url).port}/t?key=${key}`),
  { key },
);
const thin = new NamespaceClient(config, key);
const sdkOptions = () => ({ allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });

// 1. Fidelity: one event with extensions, each way.
const event = createEvent({
  type: 'order.created',
  source: '/shop',
  key: 'cust-42',
  subject: 'orders/1',
  dataschema: 'https://example.com/order.json',
  extensions: {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    tenant: 'acme',
    n: 5,
  },
  data: { total: 42 },
});
const sdkSender = new EventGridSenderClient(emulator.url, cred, 'fid-sdk', sdkOptions());
await sdkSender.sendEvents({
  type: event.type,
  source: event.source,
  id: event.id,
  time: new Date(event.time),
  subject: event.subject,
  dataschema: event.dataschema,
  datacontenttype: 'application/json',
  data: event.data,
  extensionAttributes: { ...event.extensions, partitionkey: event.key },
});
const viaThin = await thin.receive('fid-sdk', 's', 1, 10);
const sdkPublished = viaThin.ok ? Object.keys(viaThin.value.value[0].event).sort() : [];
await thin.publish('fid-thin', batchBody([encodeEvent(event)]));
const sdkReceiver = new EventGridReceiverClient(emulator.url, cred, 'fid-thin', 's', sdkOptions());
const got = await sdkReceiver.receiveEvents({ maxEvents: 1, maxWaitTime: 10 });
const sdkReceived = Object.keys(got.details[0].event).sort();
const thinBack = await new NamespaceClient(config, key).receive('fid-thin', 's2', 1, 10);
console.log('attributes on the wire after EventGridSenderClient.sendEvents:', sdkPublished.join(', '));
console.log('attributes EventGridReceiverClient.receiveEvents returns:       ', sdkReceived.join(', '));
console.log(
  'attributes the thin client sends and receives:                 ',
  Object.keys(thinBack.value.value[0].event).sort().join(', '),
);

// 2. Throughput: N events of ~1 KB, batches of 100 (publish: 8 requests in flight; receive: one
// receiver, 100 events per receive, then one acknowledge), each client on its own topic.
const payload = 'x'.repeat(1000);
const events = Array.from({ length: N }, (_, i) =>
  createEvent({ type: 't', source: '/bench', data: { i, payload } }),
);
async function pool(tasks) {
  let next = 0;
  // one receiver per client: each receive returns as soon as events are there
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }),
  );
}
const batches = [];
for (let i = 0; i < N; i += BATCH) batches.push(events.slice(i, i + BATCH));
let doneAt;
async function timed(label, fn) {
  doneAt = undefined;
  const t0 = performance.now();
  await fn();
  const s = ((doneAt ?? performance.now()) - t0) / 1000;
  console.log(
    `${label.padEnd(44)} ${Math.round(N / s)
      .toLocaleString('en-US')
      .padStart(7)} events/s`,
  );
}
const sdkTopic = new EventGridSenderClient(emulator.url, cred, 'bench-sdk', sdkOptions());
const sdkRecv = new EventGridReceiverClient(emulator.url, cred, 'bench-sdk', 's', sdkOptions());
// receive once first so that the subscriptions exist before publishing
await sdkRecv.receiveEvents({ maxEvents: 1, maxWaitTime: 10 }).catch(() => undefined);
await timed('publish, @azure/eventgrid-namespaces', () =>
  pool(
    batches.map(
      (b) => () =>
        sdkTopic.sendEvents(
          b.map((e) => ({ type: e.type, source: e.source, id: e.id, time: new Date(e.time), data: e.data })),
        ),
    ),
  ),
);
await timed('publish, thin client', () =>
  pool(
    batches.map((b) => async () => {
      const a = await thin.publish('bench-thin', batchBody(b.map(encodeEvent)));
      if (!a.ok) throw new Error(a.failure.message);
    }),
  ),
);
async function drain(receiveAck) {
  let left = N;
  // one receiver per client: each receive returns as soon as events are there
  await Promise.all(
    Array.from({ length: 1 }, async () => {
      while (left > 0) {
        left -= await receiveAck();
        if (left <= 0) doneAt ??= performance.now(); // the other receivers' last long polls are not counted
      }
    }),
  );
}
await timed('receive + acknowledge, @azure/eventgrid-namespaces', () =>
  drain(async () => {
    const r = await sdkRecv.receiveEvents({ maxEvents: 100, maxWaitTime: 10 });
    if (r.details.length > 0)
      await sdkRecv.acknowledgeEvents(r.details.map((d) => d.brokerProperties.lockToken));
    return r.details.length;
  }),
);
await timed('receive + acknowledge, thin client', () =>
  drain(async () => {
    const r = await thin.receive('bench-thin', 's', 100, 10);
    const d = r.ok ? r.value.value : [];
    if (d.length > 0)
      await thin.settle(
        'bench-thin',
        's',
        'acknowledge',
        d.map((x) => x.brokerProperties.lockToken),
      );
    return d.length;
  }),
);
thin.close();
await emulator.close();
