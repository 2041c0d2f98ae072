/**
 * The HTTP layer: a tiny router (a node:http request listener), bounded body reading, JSON answers.
 * Handlers throw {@link HttpError} for service errors; anything else becomes a 500.
 */
import http from 'node:http';
import { errorBody, HttpError, tooLarge } from './errors.js';

/** What a handler gets: the request, its parsed URL and the route's captured path segments. */
export interface RequestContext {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  /** Captured groups of the route pattern, URI-decoded. */
  readonly params: readonly string[];
}

export type Handler = (context: RequestContext) => Promise<void> | void;

export interface Route {
  readonly method: string;
  /** Matched against the URL path (without the query). */
  readonly pattern: RegExp;
  readonly handler: Handler;
}

/** Writes `body` as JSON with `status`. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Reads the whole request body. A body longer than `limit` bytes is read to its end (so the
 * connection stays usable) but discarded, and the promise rejects with a 413 {@link HttpError}.
 */
export function readBody(req: http.IncomingMessage, limit: number, what = 'payload'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () =>
      over
        ? reject(tooLarge(`The maximum size for the ${what} is ${limit} bytes.`))
        : resolve(Buffer.concat(chunks, size)),
    );
    req.on('error', reject);
  });
}

/** Parses a JSON body, answering 400 `BadRequest` (with an `InputJsonInvalid` detail) when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, 'BadRequest', 'Please provide valid request body.', [
      { code: 'InputJsonInvalid', message: (error as Error).message },
    ]);
  }
}

/** The request listener: the first route whose method and pattern match handles the request. */
export function createRouter(routes: readonly Route[], log: (line: string) => void): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    const fail = (error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendJson(res, error.status, errorBody(error.code, error.message, error.details));
      } else {
        log(`internal error on ${req.method} ${url.pathname}: ${(error as Error)?.stack ?? String(error)}`);
        sendJson(res, 500, errorBody('InternalServerError', 'The server encountered an internal error.'));
      }
    };
    if (!route) {
      req.resume();
      fail(new HttpError(404, 'NotFound', `No route for ${req.method} ${url.pathname}.`));
      return;
    }
    const match = route.pattern.exec(url.pathname) ?? [];
    Promise.resolve()
      .then(() => {
        const params = match.slice(1).map((p) => {
          try {
            return decodeURIComponent(p ?? '');
          } catch {
            throw new HttpError(400, 'BadRequest', `The path segment '${p}' is not valid URI encoding.`);
          }
        });
        return route.handler({ req, res, url, params });
      })
      .catch((error: unknown) => {
        req.resume();
        fail(error);
      });
  };
}
