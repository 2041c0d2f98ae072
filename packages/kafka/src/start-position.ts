import type { Admin } from 'kafkajs';
import type { StartPosition } from '@eventport/core/driver';

/** Where each partition of a topic should start for a group, per an offset or time start position. */
export interface StartTargets {
  /** Partitions the group has a committed offset for: they resume there, whatever was asked. */
  readonly committed: ReadonlySet<number>;
  /** The offset to seek each other partition to. */
  readonly targets: ReadonlyMap<number, number>;
}

/**
 * Resolves an `{ offset }` or `{ time }` start position into per-partition offsets: a time through
 * the broker's offsets-by-timestamp lookup; an offset clamped into each partition's [low, high]
 * range (a partition other than the one named starts at its low watermark). Partitions with a
 * committed offset are reported so that they are left alone.
 */
export async function resolveStartTargets(
  admin: Admin,
  group: string,
  topic: string,
  from: StartPosition,
): Promise<StartTargets> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const committed = new Set(
    (offsets?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => p.partition),
  );
  const targets = new Map<number, number>();
  if (typeof from === 'object' && 'time' in from) {
    for (const p of await admin.fetchTopicOffsetsByTimestamp(topic, from.time.getTime())) {
      targets.set(p.partition, Number(p.offset));
    }
  } else if (typeof from === 'object' && 'offset' in from) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const wanted =
        from.partition === undefined || from.partition === String(p.partition) ? from.offset : Number(p.low);
      targets.set(p.partition, Math.max(Number(p.low), Math.min(wanted, Number(p.high))));
    }
  }
  return { committed, targets };
}
