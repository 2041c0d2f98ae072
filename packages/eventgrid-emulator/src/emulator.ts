/**
 * Wires the pieces together and runs the HTTP (or HTTPS) server. `startEmulator` resolves once the server
 * listens; `close` stops timers, in-flight deliveries and the server, and resolves when every
 * connection is gone.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { adminRoutes } from './admin.js';
import { basicRoutes } from './basic/routes.js';
import { BasicTopics } from './basic/topics.js';
import { resolveOptions, type EmulatorOptions, type ResolvedOptions } from './config.js';
import { DeadLetterSink } from './dead-letter.js';
import { createRouter } from './http.js';
import { NamespaceStore } from './namespace/store.js';
import { namespaceRoutes } from './namespace/routes.js';

export interface RunningEmulator {
  /** `http://host:port` (`https` with `tls`): the namespace endpoint; basic topics at `<url>/api/events`. */
  readonly url: string;
  readonly port: number;
  readonly key: string;
  readonly options: ResolvedOptions;
  readonly namespaces: NamespaceStore;
  readonly basic: BasicTopics;
  readonly deadLetters: DeadLetterSink;
  close(): Promise<void>;
}

export async function startEmulator(input: EmulatorOptions = {}): Promise<RunningEmulator> {
  const options = resolveOptions(input);
  const deadLetters = new DeadLetterSink(options.deadLetterDir);
  const namespaces = new NamespaceStore(options, deadLetters);
  for (const topic of options.namespaceTopics) namespaces.putTopic(topic);
  const basic = new BasicTopics(options, deadLetters);
  const listener = createRouter(
    [
      ...namespaceRoutes(namespaces, options),
      ...basicRoutes(basic, options),
      ...adminRoutes(namespaces, basic, deadLetters),
    ],
    options.log,
  );
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${port}`;
  basic.setEmulatorUrl(url);
  for (const topic of options.topics) await basic.putTopic(topic);
  return {
    url,
    port,
    key: options.key,
    options,
    namespaces,
    basic,
    deadLetters,
    close: async () => {
      namespaces.close();
      await basic.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
