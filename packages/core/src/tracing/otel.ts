import type { Event } from '../event/types.js';
import { createEvent } from '../event/create-event.js';
import { TRACEPARENT, TRACESTATE } from './traceparent.js';

/**
 * OpenTelemetry integration, active when the optional peer `@opentelemetry/api`
 * is installed. Spans follow the messaging semantic conventions
 * (`send <topic>` as PRODUCER, `process <topic>` as CONSUMER, attributes
 * messaging.system, messaging.destination.name, messaging.message.id,
 * messaging.operation.type). Trace context travels as the CloudEvents
 * `traceparent` / `tracestate` extensions. Without the package these are no-ops.
 */
export interface Tracing {
  /** False for the no-op implementation (lets hot paths skip tracing entirely). */
  readonly enabled: boolean;
  /** Starts a send span and returns the event carrying its context (unchanged when it already has one). */
  startSend(system: string, topic: string, event: Event): { event: Event; end(error?: unknown): void };
  /** Runs `fn` inside a process span whose parent is the event's traceparent. */
  process<T>(system: string, topic: string, event: Event, fn: () => Promise<T>): Promise<T>;
}

type OtelApi = typeof import('@opentelemetry/api');

const noop: Tracing = {
  enabled: false,
  startSend: (_s, _t, event) => ({ event, end: () => undefined }),
  process: (_s, _t, _e, fn) => fn(),
};

let loaded: Promise<Tracing> | undefined;

/** Loads the OpenTelemetry integration once; resolves to no-ops when the API is not installed. */
export function loadTracing(): Promise<Tracing> {
  loaded ??= import('@opentelemetry/api').then(
    (api: OtelApi) => otelTracing(api),
    () => noop,
  );
  return loaded;
}

export const NOOP_TRACING = noop;

function otelTracing(api: OtelApi): Tracing {
  const tracer = api.trace.getTracer('@eventport/core');
  const attrs = (system: string, topic: string, event: Event, op: string): Record<string, string> => ({
    'messaging.system': system,
    'messaging.destination.name': topic,
    'messaging.message.id': event.id,
    'messaging.operation.type': op,
  });
  return {
    enabled: true,
    startSend(system, topic, event) {
      const span = tracer.startSpan(`send ${topic}`, {
        kind: api.SpanKind.PRODUCER,
        attributes: attrs(system, topic, event, 'send'),
      });
      let out = event;
      if (event.extensions[TRACEPARENT] === undefined) {
        const carrier: Record<string, string> = {};
        api.propagation.inject(api.trace.setSpan(api.context.active(), span), carrier);
        if (carrier[TRACEPARENT] !== undefined) {
          const ext: Record<string, string | number | boolean> = {
            ...event.extensions,
            traceparent: carrier[TRACEPARENT],
          };
          if (carrier[TRACESTATE] !== undefined) ext[TRACESTATE] = carrier[TRACESTATE];
          out = createEvent({ ...event, extensions: ext });
        }
      }
      return {
        event: out,
        end(error?: unknown) {
          if (error !== undefined) span.setStatus({ code: api.SpanStatusCode.ERROR, message: String(error) });
          span.end();
        },
      };
    },
    async process(system, topic, event, fn) {
      const carrier: Record<string, string> = {};
      const tp = event.extensions[TRACEPARENT];
      if (typeof tp === 'string') carrier[TRACEPARENT] = tp;
      const ts = event.extensions[TRACESTATE];
      if (typeof ts === 'string') carrier[TRACESTATE] = ts;
      const parent = api.propagation.extract(api.context.active(), carrier);
      const span = tracer.startSpan(
        `process ${topic}`,
        { kind: api.SpanKind.CONSUMER, attributes: attrs(system, topic, event, 'process') },
        parent,
      );
      try {
        return await api.context.with(api.trace.setSpan(parent, span), fn);
      } catch (err) {
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: String(err) });
        throw err;
      } finally {
        span.end();
      }
    },
  };
}
