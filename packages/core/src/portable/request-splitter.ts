import type { OutgoingEvent, RequestLimits, SendOutcome } from '../driver/types.js';
import { BrokerUnavailableError, EventTooLargeError } from '../errors/errors.js';

/** One broker request's entries and where they sit in the batch. */
interface Request {
  readonly at: number[];
  readonly entries: OutgoingEvent[];
}

/**
 * Sends one batch as the requests a sender declared (`RequestLimits`): cuts it into
 * consecutive requests within `maxEntries` and `maxBytes`, calls `send` once per request with up
 * to `concurrency` in flight, and returns one outcome per batch entry, in order. Never retries
 * (the batcher owns retries). An entry larger than `maxBytes` on its own fails alone before the
 * network (or, with `oversize: 'alone'`, goes in a request of its own); one whose size cannot
 * be measured fails alone. A request that throws fails its own entries with
 * that error. With concurrency 1 the first request with a failed entry stops the batch: the
 * entries of the requests after it fail as retryable, unsent, so a retry keeps their order.
 */
export async function sendInRequests(
  send: (entries: readonly OutgoingEvent[]) => Promise<SendOutcome[]>,
  batch: readonly OutgoingEvent[],
  limits: RequestLimits,
): Promise<SendOutcome[]> {
  const outcomes = new Array<SendOutcome>(batch.length);
  const requests = cutRequests(batch, limits, outcomes);
  let next = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (next < requests.length && !stopped) {
      const request = requests[next++]!;
      const results = await sendOne(send, request);
      for (let j = 0; j < request.at.length; j++) outcomes[request.at[j]!] = results[j]!;
      if (limits.concurrency === 1 && results.some((r) => !r.ok)) stopped = true;
    }
  };
  const width = Math.min(Math.max(1, limits.concurrency), requests.length);
  await Promise.all(Array.from({ length: width }, worker));
  if (stopped) {
    const error = new BrokerUnavailableError(
      'not sent: an earlier request of the batch failed (held back to keep order)',
    );
    for (const request of requests.slice(next))
      for (const i of request.at) outcomes[i] = { ok: false, error };
  }
  return outcomes;
}

function cutRequests(
  batch: readonly OutgoingEvent[],
  limits: RequestLimits,
  outcomes: SendOutcome[],
): Request[] {
  const requests: Request[] = [];
  let current: Request | undefined;
  let bytes = 0;
  for (let i = 0; i < batch.length; i++) {
    const entry = batch[i]!;
    let size: number;
    try {
      size = limits.entrySize(entry.event);
    } catch (err) {
      outcomes[i] = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      continue;
    }
    if (size > limits.maxBytes && limits.oversize !== 'alone') {
      outcomes[i] = { ok: false, error: new EventTooLargeError(size, limits.maxBytes, entry.event.id) };
      continue;
    }
    if (current === undefined || current.at.length >= limits.maxEntries || bytes + size > limits.maxBytes) {
      current = { at: [], entries: [] };
      requests.push(current);
      bytes = 0;
    }
    current.at.push(i);
    current.entries.push(entry);
    bytes += size;
  }
  return requests;
}

async function sendOne(
  send: (entries: readonly OutgoingEvent[]) => Promise<SendOutcome[]>,
  request: Request,
): Promise<SendOutcome[]> {
  let results: SendOutcome[];
  try {
    results = await send(request.entries);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return request.at.map(() => ({ ok: false, error }));
  }
  return request.at.map(
    (_, j) =>
      results[j] ?? {
        ok: false,
        error: new BrokerUnavailableError('the sender returned no outcome for the entry'),
      },
  );
}
