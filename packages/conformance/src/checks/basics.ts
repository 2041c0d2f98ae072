import { createEvent, newTraceparent, type Event, type EventInput } from '@eventport/core';
import { encodeData } from '@eventport/core/driver';
import { CheckFailed, defineCheck, type CheckContext, type Evidence } from '../check.js';
import { seqOf, sleep, startPosition, subscribe, uniqueSuffix, waitFor, within } from '../util.js';

const BASIC: ['pull', 'publish.at-least-once', 'consume.at-least-once'] = [
  'pull',
  'publish.at-least-once',
  'consume.at-least-once',
];
const CORE_ATTRS = ['id', 'source', 'type', 'specversion', 'time', 'subject', 'dataschema', 'key'] as const;
/** Extensions a broker or tracing may add on the way. */
const MAY_BE_ADDED = new Set(['traceparent', 'tracestate']);

/** Payloads of the round trip, each with a name for evidence. */
function roundTripInputs(run: string): { name: string; input: EventInput }[] {
  const all256 = Uint8Array.from({ length: 256 }, (_, i) => i);
  const notUtf8 = Uint8Array.from([
    0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe, 0xfd, 0x00, 0x80,
  ]);
  const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x61, 0xef, 0x76, 0x65]); // "café naïve" in ISO-8859-1
  const base = { source: `/eventport/conformance/${run}`, type: 'conformance.round-trip' };
  return [
    {
      name: 'JSON object with every attribute',
      input: {
        ...base,
        id: `rt-full-${run}`,
        subject: 'orders/42',
        time: '2026-01-02T03:04:05.678Z',
        datacontenttype: 'application/json',
        dataschema: 'https://example.com/schemas/order/1',
        key: 'customer-42',
        data: {
          order: 42,
          items: [{ sku: 'a-1', qty: 2 }],
          note: 'ünïcödé ✓ 🎉',
          nested: { empty: {}, nil: null, yes: true },
        },
        extensions: { exttext: 'hello world', extint: 42, extbool: true, extzero: 0 },
      },
    },
    {
      name: 'JSON array',
      input: { ...base, datacontenttype: 'application/json', data: [1, 'two', { three: 3 }, [], null] },
    },
    {
      name: 'JSON string',
      input: { ...base, datacontenttype: 'application/json', data: 'a JSON string: "quoted"' },
    },
    { name: 'JSON number', input: { ...base, datacontenttype: 'application/json', data: 12.5 } },
    { name: 'JSON null', input: { ...base, datacontenttype: 'application/json', data: null } },
    { name: 'JSON without a content type', input: { ...base, data: { inferred: true } } },
    {
      name: 'UTF-8 text',
      input: { ...base, datacontenttype: 'text/plain; charset=utf-8', data: 'plain text ✓ — 日本語' },
    },
    {
      name: 'binary (all 256 byte values)',
      input: { ...base, datacontenttype: 'application/octet-stream', data: all256 },
    },
    {
      name: 'non-UTF-8 bytes',
      input: { ...base, datacontenttype: 'application/x-conformance', data: notUtf8 },
    },
    {
      name: 'ISO-8859-1 text as bytes',
      input: { ...base, datacontenttype: 'text/plain; charset=iso-8859-1', data: latin1 },
    },
    { name: 'no data', input: { ...base } },
  ];
}

/** How `got` differs from `sent` (undefined when equal): every attribute, extension and the data. */
function differences(sent: Event, got: Event): string[] {
  const out: string[] = [];
  for (const attr of CORE_ATTRS) {
    if (sent[attr] !== got[attr])
      out.push(`${attr}: sent ${JSON.stringify(sent[attr])}, got ${JSON.stringify(got[attr])}`);
  }
  const inferred = encodeData(sent).contentType;
  if (
    sent.datacontenttype !== got.datacontenttype &&
    !(sent.datacontenttype === undefined && got.datacontenttype === inferred)
  ) {
    out.push(
      `datacontenttype: sent ${JSON.stringify(sent.datacontenttype)}, got ${JSON.stringify(got.datacontenttype)}`,
    );
  }
  for (const [name, value] of Object.entries(sent.extensions)) {
    const g = got.extensions[name];
    if (g === undefined) out.push(`extension ${name}: missing`);
    else if (String(g) !== String(value))
      out.push(`extension ${name}: sent ${JSON.stringify(value)}, got ${JSON.stringify(g)}`);
  }
  for (const name of Object.keys(got.extensions)) {
    if (!(name in sent.extensions) && !MAY_BE_ADDED.has(name))
      out.push(`extension ${name}: not sent, got ${JSON.stringify(got.extensions[name])}`);
  }
  const d = dataDifference(sent.data, got.data);
  if (d !== undefined) out.push(`data: ${d}`);
  return out;
}

function dataDifference(sent: unknown, got: unknown): string | undefined {
  if (sent === undefined) return got === undefined ? undefined : `sent none, got ${describeData(got)}`;
  if (sent instanceof Uint8Array) {
    let bytes: Uint8Array | undefined;
    if (got instanceof Uint8Array) bytes = got;
    else if (typeof got === 'string') bytes = new TextEncoder().encode(got);
    if (bytes === undefined) return `sent ${sent.byteLength} bytes, got ${describeData(got)}`;
    if (bytes.byteLength !== sent.byteLength)
      return `sent ${sent.byteLength} bytes, got ${bytes.byteLength} (${typeof got === 'string' ? 'decoded as text' : 'bytes'})`;
    for (let i = 0; i < sent.byteLength; i++) {
      if (bytes[i] !== sent[i]) return `byte ${i}: sent 0x${hex(sent[i]!)}, got 0x${hex(bytes[i]!)}`;
    }
    return undefined;
  }
  const a = JSON.stringify(sent);
  const b = got instanceof Uint8Array ? undefined : JSON.stringify(got);
  return a === b ? undefined : `sent ${truncate(a)}, got ${describeData(got)}`;
}

function describeData(d: unknown): string {
  if (d instanceof Uint8Array) return `${d.byteLength} bytes`;
  if (d === undefined) return 'none';
  return truncate(JSON.stringify(d));
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');
const truncate = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

export const roundTrip = defineCheck({
  id: 'round-trip',
  title: 'round trip: data and every attribute arrive equal (JSON, text, binary, non-UTF-8, extensions)',
  verifies: ['pull'],
  requires: BASIC,
  ownRow: true,
  run: (ctx) => runRoundTrip(ctx),
});

/** The round trip on a broker that delivers by push (through EventPort's push endpoint). */
export const pushRoundTrip = defineCheck({
  id: 'push-round-trip',
  title: "push round trip: pushed to EventPort's endpoint, data and every attribute arrive equal",
  verifies: ['push'],
  requires: ['push', 'publish.at-least-once', 'consume.at-least-once'],
  run: (ctx) => runRoundTrip(ctx),
});

async function runRoundTrip(ctx: CheckContext): Promise<Evidence> {
  const topic = await ctx.topic('round-trip');
  const got = new Map<string, Event>();
  await subscribe(ctx, ctx.broker, topic, { group: 'rt', from: startPosition(ctx) }, (e) => {
    got.set(e.id, e);
  });
  const cases = roundTripInputs(uniqueSuffix()).map((c) => ({ name: c.name, event: createEvent(c.input) }));
  const producer = ctx.broker.producer(topic);
  await within(producer.send(cases.map((c) => c.event)), ctx.timing.timeoutMs, 'sending');
  await waitFor(() => got.size >= cases.length, ctx.timing.timeoutMs, ctx.signal);
  const missing = cases.filter((c) => !got.has(c.event.id));
  if (missing.length > 0) {
    throw new CheckFailed(`${cases.length - missing.length} of ${cases.length} events arrived`, {
      firstBad: `${missing[0]!.name} (id ${missing[0]!.event.id}) never arrived`,
      counts: { sent: cases.length, received: cases.length - missing.length },
    });
  }
  const bad: string[] = [];
  for (const c of cases) {
    const diff = differences(c.event, got.get(c.event.id)!);
    if (diff.length > 0) bad.push(`${c.name}: ${diff.join('; ')}`);
  }
  if (bad.length > 0) {
    throw new CheckFailed(`${bad.length} of ${cases.length} events changed on the way`, {
      firstBad: bad[0],
      details: bad,
    });
  }
  return {
    summary: `${cases.length} events (JSON, text, binary, non-UTF-8, extensions) arrived equal`,
    counts: { events: cases.length },
  };
}

export const topicIsolation = defineCheck({
  id: 'topic-isolation',
  title: 'topic isolation: a consumer of one topic never sees events of another',
  requires: BASIC,
  async run(ctx) {
    const a = await ctx.topic('iso-a');
    const b = await ctx.topic('iso-b');
    const n = 20;
    const seen = { [a]: [] as Event[], [b]: [] as Event[] };
    const from = startPosition(ctx);
    for (const t of [a, b]) {
      await subscribe(ctx, ctx.broker, t, { group: 'same-group-name', from }, (e) => {
        seen[t]!.push(e);
      });
    }
    const mk = (t: string, i: number): EventInput => ({
      source: '/conformance/isolation',
      type: 'conformance.isolation',
      subject: t,
      data: { seq: i },
    });
    await within(
      Promise.all([
        ctx.broker.producer(a).send(Array.from({ length: n }, (_, i) => mk(a, i))),
        ctx.broker.producer(b).send(Array.from({ length: n }, (_, i) => mk(b, i))),
      ]),
      ctx.timing.timeoutMs,
      'sending',
    );
    await waitFor(() => seen[a]!.length >= n && seen[b]!.length >= n, ctx.timing.timeoutMs, ctx.signal);
    await sleep(ctx.timing.quietMs, ctx.signal);
    for (const [t, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const foreign = seen[t]!.filter((e) => e.subject !== t);
      if (foreign.length > 0) {
        throw new CheckFailed(`the consumer of "${t}" received ${foreign.length} events sent to "${other}"`, {
          firstBad: `event ${foreign[0]!.id} (subject ${foreign[0]!.subject})`,
        });
      }
      const own = new Set(seen[t]!.map((e) => seqOf(e.data)));
      if (own.size < n) {
        const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !own.has(i));
        throw new CheckFailed(`the consumer of "${t}" received ${own.size} of its ${n} events`, {
          counts: { sent: n, received: own.size },
          firstBad: `event #${missing[0]} never arrived`,
        });
      }
    }
    return { summary: `2 topics x ${n} events, each consumer saw only its own`, counts: { perTopic: n } };
  },
});

export const traceContext = defineCheck({
  id: 'trace-context',
  title: 'trace context: a traceparent (and tracestate) set on send arrives on receive',
  requires: BASIC,
  async run(ctx) {
    const topic = await ctx.topic('trace');
    const got = new Map<string, Event>();
    await subscribe(ctx, ctx.broker, topic, { group: 'trace', from: startPosition(ctx) }, (e) => {
      got.set(e.id, e);
    });
    const sent = Array.from({ length: 5 }, (_, i) =>
      createEvent({
        source: '/conformance/trace',
        type: 'conformance.trace',
        data: { seq: i },
        extensions: { traceparent: newTraceparent(), tracestate: `conformance=${i}` },
      }),
    );
    await within(ctx.broker.producer(topic).send(sent), ctx.timing.timeoutMs, 'sending');
    await waitFor(() => got.size >= sent.length, ctx.timing.timeoutMs, ctx.signal);
    for (const e of sent) {
      const g = got.get(e.id);
      if (g === undefined)
        throw new CheckFailed(`${got.size} of ${sent.length} events arrived`, {
          firstBad: `event ${e.id} never arrived`,
        });
      if (g.extensions.traceparent !== e.extensions.traceparent) {
        throw new CheckFailed('traceparent changed on the way', {
          firstBad: `event ${e.id}: sent ${String(e.extensions.traceparent)}, got ${String(g.extensions.traceparent)}`,
        });
      }
      if (g.extensions.tracestate !== e.extensions.tracestate) {
        throw new CheckFailed('tracestate changed on the way', {
          firstBad: `event ${e.id}: sent ${String(e.extensions.tracestate)}, got ${String(g.extensions.tracestate)}`,
        });
      }
    }
    return { summary: `${sent.length} traceparent/tracestate pairs arrived unchanged` };
  },
});
