/**
 * Protocol-level readiness probes. Each resolves `true` when the service answered a real request
 * of its own protocol, or a string saying why not; none takes longer than its timeout.
 */
import http from 'node:http';
import net from 'node:net';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request with a hard timeout; rejects on network errors. */
export function httpRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, timeout: init.timeoutMs ?? 2000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`timeout after ${init.timeoutMs ?? 2000} ms`)));
    request.on('error', reject);
    request.end(init.body);
  });
}

/**
 * SQS `ListQueues` over the JSON protocol (the one @aws-sdk/client-sqs v3 speaks). Ready when the
 * answer is HTTP 200 with a JSON object. The Authorization header is a syntactically valid
 * SigV4 header with dummy credentials: emulators read the region from it and do not verify it.
 */
export async function probeSqs(endpoint: string): Promise<true | string> {
  const answer = await httpRequest(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AmazonSQS.ListQueues',
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: '{}',
  });
  if (answer.status !== 200) return `ListQueues answered HTTP ${answer.status}`;
  const parsed: unknown = JSON.parse(answer.body || 'null');
  return typeof parsed === 'object' && parsed !== null ? true : `ListQueues answered ${answer.body}`;
}

/** Pub/Sub emulator: REST `topics.list` on a probe project answers 200 with JSON. */
export async function probePubSub(hostPort: string): Promise<true | string> {
  const answer = await httpRequest(`http://${hostPort}/v1/projects/eventport-probe/topics`);
  if (answer.status !== 200) return `topics.list answered HTTP ${answer.status}`;
  JSON.parse(answer.body);
  return true;
}

/**
 * Azurite blob service: an unauthenticated `List Containers` is answered by the blob service itself
 * (an Azure Storage error document with an `x-ms-request-id`), which proves the service is serving.
 */
export async function probeAzuriteBlob(accountUrl: string): Promise<true | string> {
  const answer = await httpRequest(`${accountUrl}?comp=list`);
  if (!answer.headers['x-ms-request-id']) return `no x-ms-request-id in an HTTP ${answer.status} answer`;
  return answer.status >= 500 ? `List Containers answered HTTP ${answer.status}` : true;
}

/** Plain TCP connect: used only to check that an external endpoint is reachable. */
export function probeTcp(host: string, port: number, timeoutMs = 2000): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: true | string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`connect to ${host}:${port} timed out`));
    socket.once('connect', () => done(true));
    socket.once('error', (error) => done(`connect to ${host}:${port}: ${error.message}`));
  });
}

/** Splits `host:port` or a URL into host and port (default port from the URL scheme). */
export function hostPort(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint.includes('://') ? endpoint : `tcp://${endpoint}`);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}
