import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrokerUnavailableError } from '../errors/errors.js';
import type { PushRequestHandler } from './push-endpoint.js';

/** A running standalone push listener. */
export interface PushListener {
  /** `http://HOST:PORT` it listens on (the port resolved when 0 was asked for). */
  readonly url: string;
  /** Stops accepting, ends idle keep-alive connections and waits for the server to close. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a `node:http` server that passes every request to `handler` (a PushEndpoint's `handle`).
 * @throws BrokerUnavailableError when the address cannot be bound (in use, not local).
 */
export async function startPushListener(
  handler: PushRequestHandler,
  host: string,
  port: number,
): Promise<PushListener> {
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void =>
      reject(
        new BrokerUnavailableError(`push listener could not listen on ${host}:${port}: ${err.message}`, {
          cause: err,
        }),
      );
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setImmediate(() => server.closeAllConnections());
      });
      return closing;
    },
  };
}
