/**
 * The emulator's outgoing HTTP: one request to a webhook with a hard timeout, over a keep-alive
 * agent that `close` destroys (no socket outlives the emulator).
 */
import http from 'node:http';
import https from 'node:https';

export interface WebhookAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Thrown when the webhook does not answer within the timeout. */
export class WebhookTimeout extends Error {}

export class WebhookClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  /** Sends one request; rejects on network errors and with {@link WebhookTimeout} after `timeoutMs`. */
  request(
    target: string,
    init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs: number },
  ): Promise<WebhookAnswer> {
    const url = new URL(target);
    const secure = url.protocol === 'https:';
    const send = secure ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const request = send(
        url,
        {
          method: init.method,
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          response.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
        },
      );
      const timer = setTimeout(
        () => request.destroy(new WebhookTimeout(`no answer within ${init.timeoutMs} ms`)),
        init.timeoutMs,
      );
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
