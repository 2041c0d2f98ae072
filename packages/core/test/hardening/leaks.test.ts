/**
 * Resource leaks (issue: reliability): 50 connect/produce/consume/close cycles on the embedded
 * broker leave no timer, socket or child process behind and do not grow the heap beyond a stated
 * bound; one long-lived consumer handles 200,000 events without growing the heap or its handles.
 * A forced GC (V8's gc(), enabled here for this file) precedes every heap reading.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from '../../src/api/connect.js';
import '@eventport/memory';
import { liveHandles, RecordingLogger, uniqueName } from '../helpers/fakes.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Live handles once they settled to `limit` or 2 s passed: jest runs suites in one process here,
 * and a timer an earlier suite armed may still fire meanwhile. A leaked handle stays, and fails.
 */
async function handlesSettledTo(limit: number): Promise<number> {
  const end = Date.now() + 2_000;
  let n = liveHandles();
  while (n > limit && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    n = liveHandles();
  }
  return n;
}

async function cycle(): Promise<void> {
  const broker = await connect(`memory://${uniqueName('leak')}`, { logger: new RecordingLogger() });
  try {
    const got: string[] = [];
    const sub = await broker.consumer('t', { from: 'earliest' }).subscribe((e) => void got.push(e.id));
    await broker.producer('t').send([
      { type: 't', source: '/s', data: 1 },
      { type: 't', source: '/s', data: 2 },
    ]);
    const end = Date.now() + 5_000;
    while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 1));
    expect(got).toHaveLength(2);
    await sub.close();
  } finally {
    await broker.close(); // closes the subscription too when an assertion failed
  }
}

it('50 connect/produce/consume/close cycles leave no handle behind and do not grow the heap', async () => {
  await cycle(); // warm up (module caches, JIT)
  const handles = liveHandles();
  const heap = heapAfterGc();
  for (let i = 0; i < 50; i++) await cycle();
  expect(await handlesSettledTo(handles)).toBeLessThanOrEqual(handles);
  // bound: 2 MiB for 50 cycles (about 40 KiB a cycle would be a leak of every broker's state)
  expect(heapAfterGc() - heap).toBeLessThan(2 * 1024 * 1024);
}, 60_000);

it('a long-lived consumer handles 200,000 events without growing the heap, and closing leaves no handle', async () => {
  const before = liveHandles();
  // retention off: the embedded broker drops a record once the group took it, so what is measured
  // is the consumer (a 100 ms retention also dropped records a consumer slowed by load had not taken)
  const broker = await connect(`memory://${uniqueName('leak-long')}?retentionMs=0`, {
    logger: new RecordingLogger(),
  });
  let handled = 0;
  const sub = await broker.consumer('t', { from: 'earliest', concurrency: 16 }).subscribe(() => {
    handled++;
  });
  try {
    const producer = broker.producer('t');
    const batch = (n: number): { type: string; source: string; key: string; data: number }[] =>
      Array.from({ length: n }, (_, i) => ({ type: 't', source: '/s', key: `k${i % 64}`, data: i }));
    let sent = 0;
    const pump = async (target: number): Promise<void> => {
      while (sent < target) {
        await producer.send(batch(1_000));
        sent += 1_000;
        const end = Date.now() + 10_000;
        while (handled < sent && Date.now() < end) await new Promise((r) => setImmediate(r));
        if (handled < sent) throw new Error(`only ${handled} of ${sent} events handled`);
      }
    };
    await pump(100_000); // warm up, and the broker's retention reaches its steady state
    const heap = heapAfterGc();
    await pump(200_000);
    expect(handled).toBe(200_000);
    // bound: 6 MiB over the last 100,000 events (60 bytes kept per event would exceed it)
    expect(heapAfterGc() - heap).toBeLessThan(6 * 1024 * 1024);
  } finally {
    // closed even when an assertion failed: a running subscription would keep jest alive
    await sub.close();
    await broker.close();
  }
  // a running consumer's own timers come and go; once closed, none may be left
  expect(await handlesSettledTo(before)).toBeLessThanOrEqual(before);
}, 120_000);
