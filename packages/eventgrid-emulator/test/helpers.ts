/** Shared test helpers: bounded waits and a real node:http webhook. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Rejects after `ms` with `what` in the message; the timer never outlives the promise. */
export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every 20 ms until it returns a value other than undefined, for at most `ms`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Received {
  readonly method: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/** What the webhook answers to one request: a status, optional headers and body. */
export interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Answer only after this many ms (to provoke the emulator's delivery timeout). */
  readonly delayMs?: number;
}

export interface Webhook {
  readonly url: string;
  readonly requests: Received[];
  /** Requests that carried events (not handshakes). */
  notifications(): Received[];
  close(): Promise<void>;
}

/**
 * A real webhook on 127.0.0.1. `answer` decides each reply; by default it answers handshakes
 * correctly (validationResponse echo, WebHook-Allowed-Origin) and events with 200.
 */
export async function startWebhook(
  answer?: (request: Received, index: number) => Reply | undefined,
): Promise<Webhook> {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: Received = {
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(request);
      const reply = answer?.(request, requests.length - 1) ?? defaultReply(request);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) {
        const timer = setTimeout(send, reply.delayMs);
        res.on('close', () => clearTimeout(timer));
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    notifications: () =>
      requests.filter((r) => r.method === 'POST' && r.headers['aeg-event-type'] === 'Notification'),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function defaultReply(request: Received): Reply {
  if (request.method === 'OPTIONS') {
    return {
      status: 200,
      headers: { 'WebHook-Allowed-Origin': String(request.headers['webhook-request-origin']) },
    };
  }
  if (request.headers['aeg-event-type'] === 'SubscriptionValidation') {
    const [event] = JSON.parse(request.body) as { data: { validationCode: string } }[];
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ validationResponse: event?.data.validationCode }),
    };
  }
  return { status: 200 };
}
