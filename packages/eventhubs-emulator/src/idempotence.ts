/**
 * Idempotent publishing (`enableIdempotentRetries` in the client), per partition.
 *
 * A sender link that desires `com.microsoft:idempotent-producer` gets a producer id (or keeps the
 * one it asks for), an owner level (epoch) and the last sequence number published under that id,
 * returned in the attach's link properties. Every transfer then carries, in its message
 * annotations, the producer id, epoch and the producer sequence number of its first event.
 *
 * Contract: a transfer whose first number is the next one expected is stored; one whose numbers
 * were all published already (a retry) is accepted and **not** stored again; a gap is refused
 * with `com.microsoft:out-of-order-sequence`; a lower epoch than the producer's current one is
 * refused with `com.microsoft:producer-epoch-stolen`. The state lives in memory only: after a
 * restart every producer starts fresh.
 */
import rhea from 'rhea';
import type { Receiver } from 'rhea';
import type { Refusal } from './readers.js';

export const CAPABILITY = 'com.microsoft:idempotent-producer';
export const EPOCH = 'com.microsoft:producer-epoch';
export const PRODUCER_ID = 'com.microsoft:producer-id';
export const PRODUCER_SEQUENCE = 'com.microsoft:producer-sequence-number';

/** What a link asks for or is given. */
export interface ProducerState {
  readonly producerId: number;
  readonly epoch: number;
  /** Last producer sequence number published (-1: none yet). */
  readonly lastSequence: number;
}

let nextProducerId = Date.now() % 1_000_000_000;

export type Verdict = 'store' | 'duplicate' | Refusal;

/** The idempotent producers of one partition. */
export class IdempotentProducers {
  private readonly producers = new Map<number, { epoch: number; lastSequence: number }>();

  /** Registers a link; unset fields are assigned. Refuses an epoch lower than the producer's current one. */
  attach(requested: { producerId?: number; epoch?: number; lastSequence?: number }): ProducerState | Refusal {
    const producerId = requested.producerId ?? nextProducerId++;
    const known = this.producers.get(producerId);
    const epoch = requested.epoch ?? known?.epoch ?? 0;
    if (known && epoch < known.epoch)
      return {
        condition: 'com.microsoft:producer-epoch-stolen',
        description: `Producer ${producerId} has epoch ${known.epoch}; epoch ${epoch} cannot publish.`,
      };
    const lastSequence = requested.lastSequence ?? known?.lastSequence ?? -1;
    this.producers.set(producerId, { epoch, lastSequence: known ? known.lastSequence : -1 });
    return { producerId, epoch, lastSequence };
  }

  /** Decides on a transfer of `count` events numbered from `firstSequence` (records nothing). */
  admit(producerId: number, epoch: number, firstSequence: number, count: number): Verdict {
    const state = this.producers.get(producerId) ?? { epoch, lastSequence: -1 };
    if (epoch < state.epoch)
      return {
        condition: 'com.microsoft:producer-epoch-stolen',
        description: `Producer ${producerId} has epoch ${state.epoch}; epoch ${epoch} cannot publish.`,
      };
    const last = firstSequence + count - 1;
    if (state.lastSequence >= 0 && last <= state.lastSequence) return 'duplicate';
    if (state.lastSequence >= 0 && firstSequence !== state.lastSequence + 1)
      return {
        condition: 'com.microsoft:out-of-order-sequence',
        description: `Producer ${producerId} expected sequence number ${state.lastSequence + 1}, got ${firstSequence}.`,
      };
    return 'store';
  }

  /** Records a stored transfer's last producer sequence number. */
  commit(producerId: number, epoch: number, lastSequence: number): void {
    this.producers.set(producerId, { epoch, lastSequence });
  }
}

/**
 * Answers an idempotent producer's attach on `receiver` (our end of its sender link): assigns or
 * confirms producer id, epoch and last sequence number and returns them in the attach's link
 * properties, offering the capability. Returns the refusal when the link must be closed.
 */
export function negotiateProducer(
  receiver: Receiver,
  /** The producers of the partition the link publishes to; undefined when it names no partition. */
  producers: IdempotentProducers | undefined,
): Refusal | undefined {
  if (!producers)
    return {
      condition: 'amqp:not-allowed',
      description: 'An idempotent producer must publish to a partition.',
    };
  const props = (receiver.properties ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));
  const state = producers.attach({
    producerId: num(props[PRODUCER_ID]),
    epoch: num(props[EPOCH]),
    lastSequence: num(props[PRODUCER_SEQUENCE]),
  });
  if ('condition' in state) return state;
  const attach = (receiver as unknown as { local: { attach: Record<string, unknown> } }).local.attach;
  attach.offered_capabilities = CAPABILITY;
  attach.properties = {
    [EPOCH]: rhea.types.wrap_short(state.epoch),
    [PRODUCER_ID]: rhea.types.wrap_long(state.producerId),
    [PRODUCER_SEQUENCE]: rhea.types.wrap_int(state.lastSequence),
  };
  return undefined;
}
