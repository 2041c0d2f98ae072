import http from 'node:http';
import https from 'node:https';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import type { EventGridConfig } from './config.js';
import { EVENTGRID_SCOPE, type EventGridAuth } from './credential.js';
import { failureOf, type HttpFailure } from './errors.js';

/** The namespace data-plane API version this client speaks. */
export const API_VERSION = '2024-06-01';
/** The basic-topic publish API version (`/api/events`). */
export const BASIC_API_VERSION = '2018-01-01';
/** `application/cloudevents-batch+json`: a JSON array of structured CloudEvents. */
export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json; charset=utf-8';

/** One event as `:receive` answers it. */
export interface ReceiveDetail {
  readonly brokerProperties: { readonly lockToken: string; readonly deliveryCount: number };
  readonly event: Record<string, unknown>;
}

/** What a settle operation answers: per-token results. */
export interface SettleResult {
  readonly succeededLockTokens: readonly string[];
  readonly failedLockTokens: readonly {
    readonly lockToken: string;
    readonly error?: { readonly code?: string; readonly message?: string };
  }[];
}

export type SettleAction = 'acknowledge' | 'release' | 'reject' | 'renewLock';

/** The result of one request: the parsed answer, or why there is none. */
export type Answer<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: HttpFailure };

/**
 * A thin client of the Event Grid namespace REST API (api-version 2024-06-01), and of basic-topic
 * publishing (2018-01-01), on the Azure core
 * pipeline (`@azure/core-rest-pipeline`: user agent, tracing, proxy, redirects; its retries are
 * off because EventPort retries). Unlike `@azure/eventgrid-namespaces` 1.0.0, it sends and
 * returns CloudEvents exactly as JSON, extension attributes included (see the README for the
 * measurement behind this choice). The key sits in a private field; requests carry it as
 * `Authorization: SharedAccessKey <key>` (basic publishing: `aeg-sas-key`). With a token credential
 * instead, the pipeline's bearer-token policy adds `Authorization: Bearer <token>` for
 * {@link EVENTGRID_SCOPE} (https only; a token is fetched on first use, cached, and refreshed
 * before it expires; concurrent requests share one fetch).
 */
export class NamespaceClient {
  readonly #key: string | undefined;
  readonly #pipeline: Pipeline;
  readonly #http: HttpClient;
  readonly #agent: http.Agent;
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #insecure: boolean;

  /** `httpClient`: the transport (default: the Azure core one), e.g. to route requests in tests. */
  constructor(config: EventGridConfig, auth: EventGridAuth, httpClient?: HttpClient) {
    this.#key = 'key' in auth ? auth.key : undefined;
    this.#endpoint = config.endpoint;
    this.#timeoutMs = config.requestTimeoutMs;
    this.#insecure = config.endpoint.startsWith('http:');
    this.#agent = this.#insecure
      ? new http.Agent({ keepAlive: true, maxSockets: 64 })
      : new https.Agent({ keepAlive: true, maxSockets: 64 });
    this.#pipeline = createPipelineFromOptions({
      retryOptions: { maxRetries: 0 },
      agent: this.#agent,
      userAgentOptions: { userAgentPrefix: 'eventport-eventgrid' },
    });
    if ('credential' in auth) {
      this.#pipeline.addPolicy(
        bearerTokenAuthenticationPolicy({ credential: auth.credential, scopes: EVENTGRID_SCOPE }),
      );
    }
    this.#http = httpClient ?? createDefaultHttpClient();
  }

  /** Publishes a batch body (a JSON array of structured CloudEvents). */
  publish(topic: string, body: Uint8Array, signal?: AbortSignal): Promise<Answer<unknown>> {
    return this.#post(`/topics/${encodeURIComponent(topic)}:publish`, {}, body, BATCH_CONTENT_TYPE, signal);
  }

  /**
   * Publishes a batch body to a basic topic (`path`: `/api/events`, or the emulator's
   * `/topics/{t}/api/events`; api-version 2018-01-01, the key as `aeg-sas-key`), exactly as
   * encoded: unlike `EventGridPublisherClient` 5.x, which refuses data that is not a JSON object
   * and adds a `time` to events without one.
   */
  publishBasic(
    path: string,
    body: Uint8Array,
    signal?: AbortSignal,
    contentType = BATCH_CONTENT_TYPE,
  ): Promise<Answer<unknown>> {
    return this.#post(path, {}, body, contentType, signal, 0, 'basic');
  }

  /** Receives up to `maxEvents` (1-100), waiting up to `maxWaitTime` seconds (10-120) when none is there. */
  receive(
    topic: string,
    subscription: string,
    maxEvents: number,
    maxWaitTime: number,
    signal?: AbortSignal,
  ): Promise<Answer<{ value?: ReceiveDetail[] }>> {
    return this.#post(
      `${subscriptionPath(topic, subscription)}:receive`,
      { maxEvents: String(maxEvents), maxWaitTime: String(maxWaitTime) },
      undefined,
      undefined,
      signal,
      maxWaitTime * 1000,
    );
  }

  /** acknowledge / release (with a delay of 0, 10, 60, 600 or 3600 s) / reject / renewLock of 1-100 tokens. */
  settle(
    topic: string,
    subscription: string,
    action: SettleAction,
    lockTokens: readonly string[],
    releaseDelayInSeconds?: number,
  ): Promise<Answer<SettleResult>> {
    const query: Record<string, string> =
      releaseDelayInSeconds === undefined ? {} : { releaseDelayInSeconds: String(releaseDelayInSeconds) };
    const body = Buffer.from(JSON.stringify({ lockTokens }));
    return this.#post(`${subscriptionPath(topic, subscription)}:${action}`, query, body, 'application/json');
  }

  /** Closes the keep-alive sockets. Requests in flight end with an error. */
  close(): void {
    this.#agent.destroy();
  }

  async #post<T>(
    path: string,
    query: Record<string, string>,
    body: Uint8Array | undefined,
    contentType: string | undefined,
    signal?: AbortSignal,
    extraTimeoutMs = 0,
    api: 'namespace' | 'basic' = 'namespace',
  ): Promise<Answer<T>> {
    const url = new URL(path, this.#endpoint);
    url.searchParams.set('api-version', api === 'basic' ? BASIC_API_VERSION : API_VERSION);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers = createHttpHeaders({ accept: 'application/json' });
    if (this.#key !== undefined) {
      if (api === 'basic') headers.set('aeg-sas-key', this.#key);
      else headers.set('authorization', `SharedAccessKey ${this.#key}`);
    }
    if (contentType !== undefined) headers.set('content-type', contentType);
    const abort = new AbortController();
    // The timeout is an unreferenced timer that is cleared when the request ends, not the
    // pipeline's `timeout` (the Node HTTP client leaves that timer armed when a request is aborted
    // or fails, which kept processes alive for requestTimeoutMs + maxWaitTime after a consumer
    // stopped), nor AbortSignal.timeout/any (60-170 µs each per request on Node 20).
    const timer = setTimeout(
      () => abort.abort(new DOMException('the request timed out', 'TimeoutError')),
      this.#timeoutMs + extraTimeoutMs,
    );
    timer.unref();
    const onAbort = () => abort.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const request = createPipelineRequest({
      url: url.toString(),
      method: 'POST',
      headers,
      body: body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      abortSignal: abort.signal,
      allowInsecureConnection: this.#insecure,
    });
    let response;
    try {
      response = await this.#pipeline.sendRequest(this.#http, request);
    } catch (err) {
      return { ok: false, failure: failureOf(err) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    const text = response.bodyAsText ?? '';
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.status >= 200 && response.status < 300) {
      if (parsed === undefined) {
        return {
          ok: false,
          failure: { status: response.status, code: 'InvalidResponse', message: 'the answer is not JSON' },
        };
      }
      return { ok: true, value: parsed as T };
    }
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    return {
      ok: false,
      failure: {
        status: response.status,
        code: typeof error?.code === 'string' ? error.code : undefined,
        message: typeof error?.message === 'string' ? error.message : text.slice(0, 200),
      },
    };
  }
}

function subscriptionPath(topic: string, subscription: string): string {
  return `/topics/${encodeURIComponent(topic)}/eventsubscriptions/${encodeURIComponent(subscription)}`;
}
