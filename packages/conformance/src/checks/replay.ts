import type { StartPosition } from '@eventport/core';
import { CheckFailed, defineCheck } from '../check.js';
import { closeWithin, firstFew, missingSeqs, seqOf, sleep, subscribe, waitFor } from '../util.js';
import { numbered, sendAll } from './events.js';

export const replay = defineCheck({
  id: 'replay',
  title:
    'replay: after everything was consumed, a new reader from the earliest position (or a time) sees it again',
  verifies: ['replay', 'retention'],
  requires: ['pull', 'publish.at-least-once', 'consume.at-least-once'],
  async run(ctx) {
    const half = 50;
    const n = 2 * half;
    const topic = await ctx.topic('replay');
    const read = async (group: string, from: StartPosition, expected: number): Promise<Set<number>> => {
      const seen = new Set<number>();
      const sub = await subscribe(ctx, ctx.broker, topic, { group, from }, (e) => {
        seen.add(seqOf(e.data));
      });
      await waitFor(() => seen.size >= expected, ctx.timing.timeoutMs, ctx.signal);
      await sleep(ctx.timing.quietMs, ctx.signal);
      await closeWithin(ctx, sub, 1_000);
      return seen;
    };
    await sendAll(ctx, ctx.broker, topic, numbered(half, 'conformance.replay'));
    await sleep(ctx.timing.quietMs, ctx.signal);
    const middle = new Date();
    await sleep(ctx.timing.quietMs, ctx.signal);
    await sendAll(ctx, ctx.broker, topic, numbered(half, 'conformance.replay', undefined, half));
    const first = await read('replay-first', 'earliest', n);
    if (first.size < n) {
      throw new CheckFailed(`the first reader saw ${first.size} of ${n} events`, {
        firstBad: `event #${missingSeqs(n, (s) => first.has(s))[0]} never arrived`,
      });
    }
    const again = await read('replay-again', 'earliest', n);
    const missing = missingSeqs(n, (s) => again.has(s));
    const counts = { events: n, firstReader: first.size, earliestReader: again.size };
    if (missing.length > 0) {
      throw new CheckFailed(
        `a new reader from the earliest position saw ${again.size} of ${n} consumed events`,
        {
          counts,
          firstBad: `event #${missing[0]} was not replayed`,
          details: [`missing: ${firstFew(missing, 10, (s) => `#${s}`)}`],
        },
      );
    }
    const fromTime = await read('replay-time', { time: middle }, half);
    const early = [...fromTime].filter((s) => s < half).sort((a, b) => a - b);
    const lateMissing = missingSeqs(n, (s) => s < half || fromTime.has(s));
    const timeCounts = { ...counts, fromTimeReader: fromTime.size };
    if (early.length > 0) {
      throw new CheckFailed(`a reader from a time saw ${early.length} events sent before that time`, {
        counts: timeCounts,
        firstBad: `event #${early[0]}`,
      });
    }
    if (lateMissing.length > 0) {
      throw new CheckFailed(`a reader from a time missed ${lateMissing.length} events sent after it`, {
        counts: timeCounts,
        firstBad: `event #${lateMissing[0]}`,
      });
    }
    return {
      summary: `${n} consumed events replayed from the earliest position; ${half} from a time`,
      counts: timeCounts,
    };
  },
});
