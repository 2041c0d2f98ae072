/**
 * HTTPS with a generated self-signed certificate: the real clients connect when given the
 * certificate as CA (`tlsOptions.ca`), and refuse the connection without it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventGridPublisherClient } from '@azure/eventgrid';
import {
  AzureKeyCredential,
  EventGridReceiverClient,
  EventGridSenderClient,
} from '@azure/eventgrid-namespaces';
import { ensureCertificate, startEmulator, type RunningEmulator } from '../src/index.js';

let dir: string;
let emulator: RunningEmulator;
let ca: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eg-tls-'));
  const certificate = ensureCertificate(dir);
  ca = certificate.cert;
  emulator = await startEmulator({ port: 0, tls: certificate });
}, 30_000);
afterAll(async () => {
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the emulator serves https; the namespaces clients trust it through tlsOptions.ca', async () => {
  expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const key = new AzureKeyCredential('eventport-dev-key');
  await new EventGridSenderClient(emulator.url, key, 'tls', { tlsOptions: { ca } }).sendEvents({
    type: 't',
    id: 'tls-1',
    source: '/s',
    data: 'secure',
  });
  const { details } = await new EventGridReceiverClient(emulator.url, key, 'tls', 'sub', {
    tlsOptions: { ca },
  }).receiveEvents({
    maxWaitTime: 10,
  });
  expect(details[0]?.event.data).toBe('secure');
});

test('the basic publisher works over https too; without the CA the connection is refused', async () => {
  const key = new AzureKeyCredential('eventport-dev-key');
  const url = `${emulator.url}/topics/tls/api/events`;
  await new EventGridPublisherClient(url, 'CloudEvent', key, { tlsOptions: { ca } }).send([
    { type: 't', source: '/s', data: { a: 1 } },
  ]);
  const untrusting = new EventGridPublisherClient(url, 'CloudEvent', key, {
    retryOptions: { maxRetries: 0 },
  });
  await expect(untrusting.send([{ type: 't', source: '/s', data: { a: 1 } }])).rejects.toThrow(
    /self.signed|certificate/i,
  );
});

test('the certificate is made once and reused', () => {
  const again = ensureCertificate(dir);
  expect(again.cert).toBe(ca);
});
