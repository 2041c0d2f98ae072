/**
 * The namespace data plane, api-version 2024-06-01 (the earlier previews are accepted too):
 *
 * - `POST /topics/{topic}:publish` — one event (`application/cloudevents+json`) or a batch
 *   (`application/cloudevents-batch+json`); answers 200 `{}`.
 * - `POST /topics/{topic}/eventsubscriptions/{sub}:receive?maxEvents=1..100&maxWaitTime=10..120`
 *   — answers `{value:[{brokerProperties:{lockToken,deliveryCount},event}]}`.
 * - `:acknowledge`, `:release?releaseDelayInSeconds=0|10|60|600|3600`, `:reject`, `:renewLock`
 *   — body `{lockTokens:[…]}` (1–100), answer `{succeededLockTokens, failedLockTokens}`.
 *
 * Every request needs the access key (`Authorization: SharedAccessKey`) or a SAS token.
 */
import { authenticate } from '../auth.js';
import { validateCloudEvent } from '../cloudevents.js';
import type { ResolvedOptions } from '../config.js';
import { badRequest } from '../errors.js';
import { parseJson, readBody, sendJson, type RequestContext, type Route } from '../http.js';
import type { NamespaceStore } from './store.js';

export const NAMESPACE_API_VERSIONS = [
  '2024-06-01',
  '2023-11-01',
  '2023-10-01-preview',
  '2023-06-01-preview',
];
/** 1 MB per request, and so per event (413 `RequestEntityTooLarge`). */
const MAX_REQUEST_BYTES = 1024 * 1024;
const MAX_EVENTS_PER_PUBLISH = 1000;
const RELEASE_DELAYS = [0, 10, 60, 600, 3600];
const NAME = '([^/:]+)';

function checkApiVersion(url: URL): void {
  const version = url.searchParams.get('api-version');
  if (!version)
    throw badRequest(
      `The api-version query parameter is required; supported: ${NAMESPACE_API_VERSIONS.join(', ')}.`,
    );
  if (!NAMESPACE_API_VERSIONS.includes(version)) {
    throw badRequest(
      `The api-version '${version}' is not supported; supported: ${NAMESPACE_API_VERSIONS.join(', ')}.`,
    );
  }
}

/** An integer query parameter in [min, max], else `fallback` when absent; 400 otherwise. */
function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`The query parameter '${name}' must be an integer from ${min} to ${max}, got '${raw}'.`);
  }
  return value;
}

async function lockTokensOf(context: RequestContext): Promise<string[]> {
  const body = parseJson(await readBody(context.req, MAX_REQUEST_BYTES)) as { lockTokens?: unknown };
  const tokens = body?.lockTokens;
  if (!Array.isArray(tokens) || tokens.length === 0 || tokens.length > 100) {
    throw badRequest('The request body must be {"lockTokens": [...]} with 1 to 100 lock tokens.');
  }
  if (tokens.some((t) => typeof t !== 'string')) throw badRequest('Every lock token must be a string.');
  return tokens as string[];
}

export function namespaceRoutes(store: NamespaceStore, options: ResolvedOptions): Route[] {
  const guard = (context: RequestContext, topic: string) => {
    checkApiVersion(context.url);
    authenticate(context.req.headers, options.key, `topic ${topic}`, { allowAuthorizationHeader: true });
  };

  const publish = async (context: RequestContext) => {
    const [topic = ''] = context.params;
    guard(context, topic);
    const contentType = String(context.req.headers['content-type'] ?? '').toLowerCase();
    const body = parseJson(await readBody(context.req, MAX_REQUEST_BYTES, 'request'));
    let raw: unknown[];
    if (contentType.startsWith('application/cloudevents-batch+json')) {
      if (!Array.isArray(body)) throw badRequest('A CloudEvents batch must be a JSON array.');
      raw = body;
    } else if (contentType.startsWith('application/cloudevents+json')) {
      raw = [body];
    } else {
      throw badRequest(
        `Unsupported content type '${contentType}': use application/cloudevents+json or application/cloudevents-batch+json.`,
      );
    }
    if (raw.length === 0) throw badRequest('The request contains no events.');
    if (raw.length > MAX_EVENTS_PER_PUBLISH) {
      throw badRequest(`A request may carry at most ${MAX_EVENTS_PER_PUBLISH} events, got ${raw.length}.`);
    }
    const events = raw.map((e, i) => validateCloudEvent(e, i));
    store.publish(topic, events);
    sendJson(context.res, 200, {});
  };

  const receive = async (context: RequestContext) => {
    const [topic = '', name = ''] = context.params;
    guard(context, topic);
    const maxEvents = intParam(context.url, 'maxEvents', 1, 1, 100);
    const maxWaitTime = intParam(context.url, 'maxWaitTime', 60, 10, 120);
    context.req.resume();
    const subscription = store.subscription(topic, name);
    const gone = new AbortController();
    context.res.on('close', () => gone.abort());
    const value = await subscription.receive(maxEvents, maxWaitTime * 1000 * options.timeScale, gone.signal);
    if (!context.res.destroyed) sendJson(context.res, 200, { value });
  };

  const settle = async (context: RequestContext) => {
    const [topic = '', name = '', action] = context.params;
    guard(context, topic);
    const delay = action === 'release' ? intParam(context.url, 'releaseDelayInSeconds', 0, 0, 3600) : 0;
    if (!RELEASE_DELAYS.includes(delay)) {
      throw badRequest(`releaseDelayInSeconds must be one of ${RELEASE_DELAYS.join(', ')}, got ${delay}.`);
    }
    const tokens = await lockTokensOf(context);
    const subscription = store.subscription(topic, name);
    const result =
      action === 'acknowledge'
        ? subscription.acknowledge(tokens)
        : action === 'release'
          ? subscription.release(tokens, delay * 1000 * options.timeScale)
          : action === 'reject'
            ? subscription.reject(tokens)
            : subscription.renewLock(tokens);
    sendJson(context.res, 200, result);
  };

  return [
    { method: 'POST', pattern: new RegExp(`^/topics/${NAME}:publish$`), handler: publish },
    {
      method: 'POST',
      pattern: new RegExp(`^/topics/${NAME}/eventsubscriptions/${NAME}:receive$`),
      handler: receive,
    },
    {
      method: 'POST',
      pattern: new RegExp(
        `^/topics/${NAME}/eventsubscriptions/${NAME}:(acknowledge|release|reject|renewLock)$`,
      ),
      handler: settle,
    },
  ];
}
