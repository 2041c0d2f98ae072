/**
 * The emulator's own admin API (not part of the service; no authentication, loopback only):
 *
 * - `GET  /admin` — topics, subscriptions and delivery counters.
 * - `PUT  /admin/topics/{topic}` `{inputSchema?}` — a basic topic.
 * - `PUT  /admin/topics/{topic}/eventSubscriptions/{name}` `{endpointUrl, filter?, retryPolicy?, deadLetter?}`
 *   — runs the validation handshake, then 201 `{provisioningState:"Succeeded"}`, or 202
 *   `{provisioningState:"AwaitingManualAction"}` until the validation URL is fetched, or 400.
 * - `DELETE /admin/topics/{topic}/eventSubscriptions/{name}`
 * - `GET  /admin/validate?topic&subscription&code` — the manual validation URL.
 * - `PUT  /admin/namespaces/topics/{topic}` `{eventRetentionInDays?}` and
 *   `PUT  /admin/namespaces/topics/{topic}/eventSubscriptions/{name}` `{lockDurationInSeconds?, maxDeliveryCount?}`.
 * - `GET  /admin/deadletters/{topic}/{subscription}` — what was dead-lettered, oldest first.
 */
import type { BasicTopics } from './basic/topics.js';
import type { DeadLetterSink } from './dead-letter.js';
import { badRequest, notFound } from './errors.js';
import { parseJson, readBody, sendJson, type RequestContext, type Route } from './http.js';
import type { NamespaceStore } from './namespace/store.js';

const NAME = '([^/]+)';

async function jsonObject(context: RequestContext): Promise<Record<string, unknown>> {
  const raw = await readBody(context.req, 1024 * 1024);
  const body = raw.length === 0 ? {} : parseJson(raw);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('The body must be a JSON object.');
  return body as Record<string, unknown>;
}

export function adminRoutes(
  namespaces: NamespaceStore,
  basic: BasicTopics,
  deadLetters: DeadLetterSink,
): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/admin$/,
      handler: ({ res }) =>
        sendJson(res, 200, { topics: basic.describe(), namespaceTopics: namespaces.describe() }),
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/admin/topics/${NAME}$`),
      handler: async (context) => {
        const body = await jsonObject(context);
        const name = context.params[0] ?? '';
        const created = !basic.exists(name);
        await basic.putTopic({ name, inputSchema: body.inputSchema as never });
        sendJson(context.res, created ? 201 : 200, { name, inputSchema: basic.topic(name).inputSchema });
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/admin/topics/${NAME}/eventSubscriptions/${NAME}$`),
      handler: async (context) => {
        const body = await jsonObject(context);
        const [topic = '', name = ''] = context.params;
        const state = await basic.putSubscription(topic, { ...body, name } as never);
        if (state === 'created') sendJson(context.res, 201, { name, provisioningState: 'Succeeded' });
        else if (state === 'unchanged') sendJson(context.res, 200, { name, provisioningState: 'Succeeded' });
        else sendJson(context.res, 202, { name, provisioningState: 'AwaitingManualAction' });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/admin/topics/${NAME}/eventSubscriptions/${NAME}$`),
      handler: ({ res, params: [topic = '', name = ''] }) => {
        if (!basic.deleteSubscription(topic, name)) throw notFound(`No event subscription ${topic}/${name}.`);
        res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      pattern: /^\/admin\/validate$/,
      handler: ({ res, url }) => {
        const ok = basic.validate(
          url.searchParams.get('topic') ?? '',
          url.searchParams.get('subscription') ?? '',
          url.searchParams.get('code') ?? '',
        );
        if (!ok) throw badRequest('Unknown subscription or wrong validation code.');
        sendJson(res, 200, { provisioningState: 'Succeeded' });
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/admin/namespaces/topics/${NAME}$`),
      handler: async (context) => {
        const body = await jsonObject(context);
        const name = context.params[0] ?? '';
        const created = namespaces.putTopic({ ...body, name } as never);
        sendJson(context.res, created ? 201 : 200, { name });
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/admin/namespaces/topics/${NAME}/eventSubscriptions/${NAME}$`),
      handler: async (context) => {
        const body = await jsonObject(context);
        const [topic = '', name = ''] = context.params;
        const created = namespaces.putSubscription(topic, { ...body, name } as never);
        sendJson(context.res, created ? 201 : 200, { name });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/admin/deadletters/${NAME}/${NAME}$`),
      handler: ({ res, params: [topic = '', name = ''] }) =>
        sendJson(res, 200, { value: deadLetters.list(topic, name) }),
    },
  ];
}
