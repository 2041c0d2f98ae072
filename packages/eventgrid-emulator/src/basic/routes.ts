/**
 * The basic topic data plane, api-version 2018-01-01:
 * `POST /api/events` (topic `default`) and `POST /topics/{topic}/api/events`, authenticated
 * with `aeg-sas-key` or `aeg-sas-token`. Answers 200 with an empty body, as the service does.
 *
 * Limits (the service's): 1 MB (1,048,576 bytes) per request, and so per event → 413
 * `RequestEntityTooLarge`; at most 5,000 events per request → 400.
 */
import { authenticate } from '../auth.js';
import type { ResolvedOptions } from '../config.js';
import { badRequest } from '../errors.js';
import { parseJson, readBody, type RequestContext, type Route } from '../http.js';
import { inferSchema, parseEvents } from './schemas.js';
import { topicResourceId, type BasicTopics } from './topics.js';

export const BASIC_API_VERSION = '2018-01-01';
export const MAX_REQUEST_BYTES = 1024 * 1024;
export const MAX_EVENTS_PER_REQUEST = 5000;

export function basicRoutes(topics: BasicTopics, options: ResolvedOptions): Route[] {
  const publish = async (context: RequestContext) => {
    const name = context.params[0] ?? 'default';
    const version = context.url.searchParams.get('api-version');
    if (version !== BASIC_API_VERSION) {
      throw badRequest(`The api-version '${version ?? ''}' is not supported; use ${BASIC_API_VERSION}.`);
    }
    authenticate(context.req.headers, options.key, `topic ${name}`, { allowAuthorizationHeader: false });
    const contentType = String(context.req.headers['content-type'] ?? 'application/json').toLowerCase();
    const body = parseJson(await readBody(context.req, MAX_REQUEST_BYTES));
    const topic = topics.topic(name, topics.exists(name) ? undefined : inferSchema(contentType, body));
    const events = parseEvents(topic.inputSchema, contentType, body, topicResourceId(name));
    if (events.length > MAX_EVENTS_PER_REQUEST) {
      throw badRequest(
        `The number of events in the request (${events.length}) exceeds the maximum of ${MAX_EVENTS_PER_REQUEST}.`,
      );
    }
    topics.publish(topic, events);
    context.res.writeHead(200, { 'content-length': 0 });
    context.res.end();
  };
  return [
    { method: 'POST', pattern: /^\/api\/events$/, handler: publish },
    { method: 'POST', pattern: /^\/topics\/([^/:]+)\/api\/events$/, handler: publish },
  ];
}
