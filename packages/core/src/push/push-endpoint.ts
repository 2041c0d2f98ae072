import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import type { PushReceiver } from './push-receiver.js';
import {
  PushRequestError,
  verdictOf,
  type PushAnswer,
  type PushAuthenticator,
  type PushCodec,
  type PushRequest,
} from './types.js';

export interface PushEndpointOptions {
  readonly codec: PushCodec;
  /** Largest body read, in bytes; a larger one is answered 413 (default 1 MiB + 64 KiB). */
  readonly maxBodyBytes?: number;
  readonly logger: Logger;
}

/** A request handler as Express, Fastify (`req.raw`, `reply.raw`), Next (pages API) and node:http call it. */
export type PushRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The HTTP side of push delivery, for any framework: `handle(req, res)` reads the request, finds
 * the route of its path, authenticates it with the route's check (401 otherwise), answers
 * handshakes through the codec, decodes a delivery and hands its events to a receiver of the
 * route (several receivers on one path take turns: competing consumers in one process), then
 * answers from the events' outcomes once they are all settled.
 *
 * Statuses EventPort itself chooses: 404 no receiver for the path (services
 * retry it, so events pushed while a consumer restarts are not lost), 401 unauthenticated, 405 not POST/OPTIONS, 413 body
 * too large, 400 a body the codec cannot read at all, 503 receivers closed or full (retried).
 * A body already read by a framework (`req.body` as Buffer, string or parsed JSON) is used as is.
 * Safe to call concurrently; never throws.
 */
export class PushEndpoint {
  private readonly routes = new Map<string, Route>();
  private readonly maxBodyBytes: number;

  constructor(private readonly options: PushEndpointOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024 + 64 * 1024;
  }

  /**
   * Serves `receiver` on `path` (e.g. `/eventport/orders/billing`); returns the unregister
   * function. `authenticate` checks every request to the path (handshakes included; false → 401);
   * receivers sharing a path must share the check (the last one given applies).
   */
  route(path: string, receiver: PushReceiver, authenticate?: PushAuthenticator): () => void {
    const route = this.routes.get(path) ?? { receivers: [], next: 0, authenticate };
    route.authenticate = authenticate;
    route.receivers.push(receiver);
    this.routes.set(path, route);
    return () => {
      route.receivers = route.receivers.filter((r) => r !== receiver);
      if (route.receivers.length === 0 && this.routes.get(path) === route) this.routes.delete(path);
    };
  }

  /** How many receivers are routed (a shared listener closes when none is left). */
  get size(): number {
    let n = 0;
    for (const route of this.routes.values()) n += route.receivers.length;
    return n;
  }

  /** The request handler (bound: pass it around as is). */
  readonly handle: PushRequestHandler = (req, res) => {
    this.serve(req)
      .catch((err: unknown) => {
        this.options.logger.error('push endpoint: internal error', { error: err });
        return { status: 500 } satisfies PushAnswer;
      })
      .then((answer) => write(res, answer))
      .catch(() => undefined);
  };

  private async serve(req: IncomingMessage): Promise<PushAnswer> {
    const { codec, logger } = this.options;
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'POST' && method !== 'OPTIONS') return text(405, 'push endpoints take POST (and OPTIONS)');
    const body = await readBody(req, this.maxBodyBytes);
    if (body === undefined) return text(413, `body larger than ${this.maxBodyBytes} bytes`);
    const request: PushRequest = {
      method,
      // Express rewrites req.url below a mount point; originalUrl keeps the full path.
      url: new URL((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/', 'http://push.invalid'),
      headers: req.headers,
      body,
    };
    const route = this.routes.get(request.url.pathname);
    if (route === undefined || route.receivers.length === 0)
      return text(404, `no consumer listens on ${request.url.pathname}`);
    if (route.authenticate !== undefined && !(await route.authenticate(request))) {
      logger.warn('push endpoint: refused an unauthenticated request', { path: request.url.pathname });
      return text(401, 'unauthenticated');
    }
    const handshake = await codec.handshake?.(request);
    if (handshake !== undefined) return handshake;
    let events;
    try {
      events = codec.decode(request);
    } catch (err) {
      if (err instanceof PushRequestError) return text(err.status, err.message);
      throw err;
    }
    const receiver = route.receivers[route.next++ % route.receivers.length]!;
    const outcomes = await receiver.offer(events);
    const verdict = verdictOf(outcomes);
    if (verdict === 'dead-letter') {
      logger.warn('push endpoint: the handler dead-lettered pushed events', {
        path: request.url.pathname,
        ids: events.map((e) => e.event.id),
        reasons: outcomes.map((o) => (o.kind === 'dead-letter' ? o.reason : undefined)),
      });
    }
    return codec.answer(verdict, outcomes);
  }
}

interface Route {
  receivers: PushReceiver[];
  next: number;
  authenticate: PushAuthenticator | undefined;
}

function text(status: number, body: string): PushAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

/** The body as bytes, or undefined when longer than `max` (the rest is not read). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const parsed = (req as { body?: unknown }).body;
  if (Buffer.isBuffer(parsed)) return parsed.length > max ? undefined : parsed;
  if (typeof parsed === 'string') return checked(Buffer.from(parsed), max);
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object' && req.readableEnded)
    return checked(Buffer.from(JSON.stringify(parsed)), max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function checked(body: Buffer, max: number): Buffer | undefined {
  return body.length > max ? undefined : body;
}

function write(res: ServerResponse, answer: PushAnswer): void {
  if (res.headersSent || res.writableEnded) return;
  const body = answer.body ?? '';
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
