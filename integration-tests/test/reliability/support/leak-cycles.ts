/**
 * Leak check of a real adapter (issue 16): N connect/produce/consume/close cycles against a real
 * broker on loopback leave no timer, socket or child process behind, and the heap after a forced GC
 * grows by less than a stated bound. The count of live handles is compared after the last close
 * against the count before the first connect of the measured cycles (jest runs in-band here: a
 * count taken while a consumer runs would include its own poll timers and sockets).
 *
 * Every cycle closes its broker in `finally`, so a failed assertion cannot leave a subscription
 * that keeps the jest process alive.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect, silentLogger, type Broker, type ConsumerOptions } from '@eventport/core';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Resource kinds that keep a process alive: timers, sockets, child processes. */
const KEEP_ALIVE = new Set(['Timeout', 'TCPWRAP', 'TCPSocketWrap', 'ProcessWrap', 'TLSWRAP', 'PipeWrap']);

/** Live resources of the kinds that keep a process alive, by kind. */
export function liveHandles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (KEEP_ALIVE.has(r)) out[r] = (out[r] ?? 0) + 1;
  return out;
}

export function total(h: Record<string, number>): number {
  return Object.values(h).reduce((a, b) => a + b, 0);
}

/** Heap used after two forced full GCs. */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * The full leak check (issue 16's figures) instead of CI's shorter one: `EVENTPORT_LEAK_FULL=1`
 * runs 50 cycles per adapter and the long-lived consumer's 1,000,000 events (bounded in time).
 */
export const LEAK_FULL = process.env.EVENTPORT_LEAK_FULL === '1';

/** 50 cycles under `EVENTPORT_LEAK_FULL=1`, else the suite's CI count. */
export function leakCycles(ciCount: number): number {
  return LEAK_FULL ? 50 : ciCount;
}

export interface LeakSetup {
  /** Opens an EventPort connection to the broker under test. */
  connect(): Promise<Broker>;
  /** The topic every cycle uses (prepared once; cycles reuse it and their group). */
  readonly topic: string;
  readonly consumer: ConsumerOptions;
  /** How long one cycle may wait for its two events (ms). */
  readonly receiveTimeoutMs: number;
}

export interface LeakResult {
  readonly cycles: number;
  readonly handlesBefore: Record<string, number>;
  readonly handlesAfter: Record<string, number>;
  readonly heapGrowthBytes: number;
  readonly msPerCycle: number;
}

/** One cycle: connect, subscribe, send two events, wait for both, close the subscription and the connection. */
export async function cycle(setup: LeakSetup, tag: string): Promise<void> {
  const broker = await setup.connect();
  try {
    const got = new Set<string>();
    const sub = await broker
      .consumer(setup.topic, setup.consumer)
      .subscribe((e) => void got.add(String((e.data as { tag?: string }).tag)));
    try {
      await broker.producer(setup.topic).send([
        { type: 'leak.cycle', source: '/eventport/leaks', key: 'k', data: { tag: `${tag}-a` } },
        { type: 'leak.cycle', source: '/eventport/leaks', key: 'k', data: { tag: `${tag}-b` } },
      ]);
      const end = Date.now() + setup.receiveTimeoutMs;
      while (!(got.has(`${tag}-a`) && got.has(`${tag}-b`)) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 10));
      if (!(got.has(`${tag}-a`) && got.has(`${tag}-b`)))
        throw new Error(`cycle ${tag}: its two events did not arrive within ${setup.receiveTimeoutMs} ms`);
    } finally {
      await sub.close({ drainTimeoutMs: 1_000 });
    }
  } finally {
    await broker.close();
  }
}

/**
 * `warmUp` cycles first (module caches, SDK singletons, JIT), then `cycles` measured ones. After
 * the last close, waits up to `settleMs` for the count to come back down before taking it (a
 * socket's close is reported a tick after the client let go of it; a timer that ends within that
 * time is not a leak; one that outlives it is counted).
 */
export async function runLeakCycles(
  setup: LeakSetup,
  cycles: number,
  { warmUp = 2, settleMs = 2_000 } = {},
): Promise<LeakResult> {
  for (let i = 0; i < warmUp; i++) await cycle(setup, `warm${i}`);
  await new Promise((r) => setTimeout(r, 200));
  const handlesBefore = liveHandles();
  const heap = heapAfterGc();
  const started = Date.now();
  for (let i = 0; i < cycles; i++) await cycle(setup, `c${i}`);
  const msPerCycle = Math.round((Date.now() - started) / cycles);
  const settled = Date.now() + settleMs;
  do await new Promise((r) => setTimeout(r, 50));
  while (total(liveHandles()) > total(handlesBefore) && Date.now() < settled);
  const heapGrowthBytes = heapAfterGc() - heap;
  return { cycles, handlesBefore, handlesAfter: liveHandles(), heapGrowthBytes, msPerCycle };
}

/** The assertion every adapter's leak suite makes, with the figures in the failure message. */
export function expectNoLeak(result: LeakResult, heapBoundBytes: number): void {
  const shown = JSON.stringify(result);
  if (total(result.handlesAfter) > total(result.handlesBefore))
    throw new Error(`handles left after ${result.cycles} cycles: ${shown}`);
  if (result.heapGrowthBytes >= heapBoundBytes)
    throw new Error(`heap grew by ${result.heapGrowthBytes} bytes (bound ${heapBoundBytes}): ${shown}`);
  // printed for the record (figures quoted in the suite's notes)
  process.stdout.write(`leak check: ${shown}\n`);
}

/** A silent EventPort connection (logs would be noise here). */
export function quietConnect(target: Parameters<typeof connect>[0]): Promise<Broker> {
  return connect(target, { logger: silentLogger });
}
