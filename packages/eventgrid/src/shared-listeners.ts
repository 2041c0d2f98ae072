import { PushEndpoint, startPushListener, type Logger, type PushListener } from '@eventport/core/driver';
import { eventGridPushCodec } from './push-codec.js';

interface Shared {
  readonly endpoint: PushEndpoint;
  readonly listener: PushListener;
  users: number;
}

/** One push listener per listen address in the process, shared by every basic-topic connection. */
const listeners = new Map<string, Promise<Shared>>();

/** A connection's hold on a shared listener. */
export interface ListenerLease {
  readonly endpoint: PushEndpoint;
  /** `http://HOST:PORT` of the listener. */
  readonly url: string;
  /** Gives the hold back; the last one closes the listener. Idempotent. */
  release(): Promise<void>;
}

/**
 * Takes a hold on the process's push listener for `host:port` (started on first use). Sharing it
 * keeps a consumer's webhook URL (`{listener}/eventgrid/{topic}/{group}`) the same for every
 * connection in the process — so a consumer reopened on a new connection gets the pushes (and
 * retries) meant for the old one, and consumers of one group on several connections compete on
 * one path — and lets several connections ask for the same fixed port. Routes carry their own
 * connection's authentication.
 */
export async function acquireListener(host: string, port: number, logger: Logger): Promise<ListenerLease> {
  const key = `${host}:${port}`;
  let entry = listeners.get(key);
  if (entry === undefined) {
    const endpoint = new PushEndpoint({ codec: eventGridPushCodec, logger });
    entry = startPushListener(endpoint.handle, host, port).then((listener) => ({
      endpoint,
      listener,
      users: 0,
    }));
    listeners.set(key, entry);
    entry.catch(() => listeners.delete(key));
  }
  const shared = await entry;
  shared.users++;
  let released = false;
  return {
    endpoint: shared.endpoint,
    url: shared.listener.url,
    release: async () => {
      if (released) return;
      released = true;
      if (--shared.users > 0) return;
      listeners.delete(key);
      await shared.listener.close();
    },
  };
}
