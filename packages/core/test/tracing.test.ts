import { randomBytes } from 'node:crypto';
import * as api from '@opentelemetry/api';
import { connect } from '../src/api/connect.js';
import type { Broker } from '../src/api/broker.js';
import type { Subscription } from '../src/api/subscription.js';
import {
  TRACEPARENT,
  childTraceparent,
  isValidTraceparent,
  newTraceparent,
} from '../src/tracing/traceparent.js';
import { NOOP_TRACING, loadTracing } from '../src/tracing/otel.js';
import { createEvent } from '../src/event/create-event.js';
import type { Event } from '../src/event/types.js';
import { MemoryBroker } from '@eventport/memory';
import { RecordingLogger, uniqueName, waitFor } from './helpers/fakes.js';

describe('traceparent helpers', () => {
  it('validates W3C traceparent values', () => {
    expect(isValidTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe(true);
    expect(isValidTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00')).toBe(true);
    for (const bad of [
      undefined,
      42,
      '',
      '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', // unknown version
      '00-00000000000000000000000000000000-b7ad6b7169203331-01', // zero trace id
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', // zero span id
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', // upper case
      '00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01', // short trace id
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
    ]) {
      expect(isValidTraceparent(bad)).toBe(false);
    }
  });

  it('creates fresh and child traceparents', () => {
    const root = newTraceparent();
    expect(isValidTraceparent(root)).toBe(true);
    expect(newTraceparent()).not.toBe(root);
    const child = childTraceparent(root);
    expect(isValidTraceparent(child)).toBe(true);
    expect(child.slice(3, 35)).toBe(root.slice(3, 35)); // same trace
    expect(child.slice(36, 52)).not.toBe(root.slice(36, 52)); // new span
    expect(child.slice(-2)).toBe(root.slice(-2));
    expect(isValidTraceparent(childTraceparent('garbage'))).toBe(true);
  });

  it('the no-op tracing passes events and results through', async () => {
    const e = createEvent({ type: 't', source: 's' });
    const started = NOOP_TRACING.startSend('memory', 't', e);
    expect(started.event).toBe(e);
    started.end(new Error('x'));
    await expect(NOOP_TRACING.process('memory', 't', e, async () => 5)).resolves.toBe(5);
  });
});

/** A tiny in-test OpenTelemetry SDK: recording spans and a W3C traceparent propagator. */
interface RecordedSpan {
  name: string;
  kind: api.SpanKind | undefined;
  attributes: api.Attributes;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  status: api.SpanStatus | undefined;
  ended: boolean;
}

const recorded: RecordedSpan[] = [];

function makeSpan(name: string, options: api.SpanOptions, ctx: api.Context | undefined): api.Span {
  const parent = api.trace.getSpanContext(ctx ?? api.context.active());
  const rec: RecordedSpan = {
    name,
    kind: options.kind,
    attributes: { ...options.attributes },
    traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    parentSpanId: parent?.spanId,
    status: undefined,
    ended: false,
  };
  recorded.push(rec);
  const sc: api.SpanContext = {
    traceId: rec.traceId,
    spanId: rec.spanId,
    traceFlags: api.TraceFlags.SAMPLED,
  };
  const span: api.Span = {
    spanContext: () => sc,
    setAttribute: (k, v) => ((rec.attributes[k] = v), span),
    setAttributes: (a) => (Object.assign(rec.attributes, a), span),
    addEvent: () => span,
    addLink: () => span,
    addLinks: () => span,
    setStatus: (s) => ((rec.status = s), span),
    updateName: () => span,
    end: () => void (rec.ended = true),
    isRecording: () => true,
    recordException: () => undefined,
  };
  return span;
}

const tracer = {
  startSpan: (name: string, options: api.SpanOptions = {}, ctx?: api.Context) => makeSpan(name, options, ctx),
  startActiveSpan: () => {
    throw new Error('not used');
  },
} as unknown as api.Tracer;

const propagator: api.TextMapPropagator = {
  inject(ctx, carrier, setter) {
    const sc = api.trace.getSpanContext(ctx);
    if (sc !== undefined) setter.set(carrier, 'traceparent', `00-${sc.traceId}-${sc.spanId}-01`);
  },
  extract(ctx, carrier, getter) {
    const tp = getter.get(carrier, 'traceparent');
    const m = typeof tp === 'string' ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(tp) : null;
    if (m === null) return ctx;
    return api.trace.setSpanContext(ctx, { traceId: m[1]!, spanId: m[2]!, traceFlags: 1, isRemote: true });
  },
  fields: () => ['traceparent'],
};

describe('OpenTelemetry (@opentelemetry/api installed)', () => {
  const name = uniqueName('trace');
  let broker: Broker;
  const subs: Subscription[] = [];

  beforeAll(() => {
    api.trace.setGlobalTracerProvider({ getTracer: () => tracer });
    api.propagation.setGlobalPropagator(propagator);
  });
  afterAll(() => {
    api.trace.disable();
    api.propagation.disable();
  });
  beforeEach(async () => {
    recorded.length = 0;
    broker = await connect(`memory://${name}`, { logger: new RecordingLogger() });
  });
  afterEach(async () => {
    await Promise.allSettled(subs.splice(0).map((s) => s.close({ drainTimeoutMs: 0 })));
    await broker.close();
    MemoryBroker.reset(name);
  });

  it('loads the integration once', async () => {
    const t = await loadTracing();
    expect(t.enabled).toBe(true);
    expect(await loadTracing()).toBe(t);
  });

  it('a send → receive carries traceparent; spans follow the messaging conventions', async () => {
    const topic = uniqueName('orders');
    const got: Event[] = [];
    subs.push(await broker.consumer(topic, { from: 'earliest' }).subscribe((e) => void got.push(e)));
    const receipt = await broker.producer(topic).send({ type: 'order.created', source: '/shop' });
    await waitFor(() => got.length === 1, 'the event');
    const tp = got[0]!.extensions[TRACEPARENT];
    expect(isValidTraceparent(tp)).toBe(true);
    await waitFor(() => recorded.filter((s) => s.ended).length === 2, 'two ended spans');
    const send = recorded.find((s) => s.name === `send ${topic}`)!;
    const processSpan = recorded.find((s) => s.name === `process ${topic}`)!;
    expect(send.kind).toBe(api.SpanKind.PRODUCER);
    expect(processSpan.kind).toBe(api.SpanKind.CONSUMER);
    expect(send.attributes).toEqual({
      'messaging.system': 'memory',
      'messaging.destination.name': topic,
      'messaging.message.id': receipt.id,
      'messaging.operation.type': 'send',
    });
    expect(processSpan.attributes['messaging.operation.type']).toBe('process');
    expect(tp).toBe(`00-${send.traceId}-${send.spanId}-01`);
    expect(processSpan.traceId).toBe(send.traceId);
    expect(processSpan.parentSpanId).toBe(send.spanId);
    expect(processSpan.status).toBeUndefined();
  });

  it('keeps a traceparent the application already set', async () => {
    const topic = uniqueName('t');
    const own = newTraceparent();
    const got: Event[] = [];
    subs.push(await broker.consumer(topic, { from: 'earliest' }).subscribe((e) => void got.push(e)));
    await broker.producer(topic).send({ type: 't', source: '/s', extensions: { traceparent: own } });
    await waitFor(() => got.length === 1, 'the event');
    expect(got[0]!.extensions.traceparent).toBe(own);
    await waitFor(() => recorded.some((s) => s.name.startsWith('process') && s.ended), 'the process span');
    expect(recorded.find((s) => s.name.startsWith('process'))!.traceId).toBe(own.slice(3, 35));
  });

  it('marks failed handlers and failed sends on their spans', async () => {
    const topic = uniqueName('t');
    let calls = 0;
    subs.push(
      await broker
        .consumer(topic, { from: 'earliest', retry: { attempts: 1 }, deadLetter: false })
        .subscribe(() => {
          calls++;
          throw new Error('handler broke');
        }),
    );
    await broker.producer(topic).send({ type: 't', source: '/s' });
    await waitFor(
      () => calls === 1 && recorded.some((s) => s.name.startsWith('process') && s.ended),
      'the failed span',
    );
    const failed = recorded.find((s) => s.name.startsWith('process'))!;
    expect(failed.status).toEqual({ code: api.SpanStatusCode.ERROR, message: 'Error: handler broke' });

    const closedName = uniqueName('closed');
    const noAuto = await connect(`memory://${closedName}?autoCreateTopics=false`, {
      logger: new RecordingLogger(),
    });
    try {
      await expect(noAuto.producer('missing').send({ type: 't', source: '/s' })).rejects.toThrow(
        'does not exist',
      );
      const sendSpan = recorded.find((s) => s.name === 'send missing')!;
      expect(sendSpan.ended).toBe(true);
      expect(sendSpan.status?.code).toBe(api.SpanStatusCode.ERROR);
    } finally {
      await noAuto.close();
      MemoryBroker.reset(closedName);
    }
  });

  it('tracing: false turns it off', async () => {
    const offName = uniqueName('off');
    const off = await connect(`memory://${offName}`, { tracing: false, logger: new RecordingLogger() });
    try {
      const topic = uniqueName('t');
      await off.producer(topic).send({ type: 't', source: '/s' });
      const rec = off.raw<MemoryBroker>().records(topic);
      expect(rec[0]!.event.extensions.traceparent).toBeUndefined();
      expect(recorded).toEqual([]);
    } finally {
      await off.close();
      MemoryBroker.reset(offName);
    }
  });
});
