/**
 * The `apache.org:selector-filter:string` expressions the Event Hubs client puts on a receiver's
 * source, parsed into a start position:
 *
 * | expression                                         | position                          |
 * | -------------------------------------------------- | --------------------------------- |
 * | `amqp.annotation.x-opt-offset > '-1'`              | earliest retained event           |
 * | `amqp.annotation.x-opt-offset > '@latest'`         | only events enqueued after attach |
 * | `amqp.annotation.x-opt-offset >[=] '<n>'`          | by offset                         |
 * | `amqp.annotation.x-opt-sequence-number >[=] '<n>'` | by sequence number                |
 * | `amqp.annotation.x-opt-enqueued-time >[=] '<ms>'`  | by enqueued time (epoch ms)       |
 *
 * No filter means earliest.
 */

export type StartPosition =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'offset' | 'sequence' | 'time'; readonly value: number; readonly inclusive: boolean };

const FIELDS: Record<string, 'offset' | 'sequence' | 'time'> = {
  'x-opt-offset': 'offset',
  'x-opt-sequence-number': 'sequence',
  'x-opt-enqueued-time': 'time',
};

const EXPRESSION = /^\s*amqp\.annotation\.(x-opt-[a-z-]+)\s*(>=|>)\s*'([^']*)'\s*$/i;

/** Parses one selector expression; throws an Error with a client-readable message when it cannot. */
export function parseSelector(expression: string | undefined): StartPosition {
  if (expression === undefined || expression.trim() === '') return { kind: 'earliest' };
  const m = EXPRESSION.exec(expression);
  if (!m) throw new Error(`unsupported selector filter: ${expression}`);
  const field = FIELDS[m[1]!.toLowerCase()];
  if (!field) throw new Error(`unsupported selector field: ${m[1]}`);
  const inclusive = m[2] === '>=';
  const raw = m[3]!;
  if (field === 'offset' && raw === '@latest') return { kind: 'latest' };
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`selector value is not a number: ${raw}`);
  if (field === 'offset' && value === -1 && !inclusive) return { kind: 'earliest' };
  return { kind: field, value, inclusive };
}

/** Extracts the selector string from a link source's filter set (rhea's decoded form). */
export function selectorFromFilter(filter: unknown): string | undefined {
  if (!filter || typeof filter !== 'object') return undefined;
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    if (!key.includes('selector-filter')) continue;
    let v: unknown = value;
    // described values may arrive as { descriptor, value } wrappers
    while (v && typeof v === 'object' && 'value' in (v as object)) v = (v as { value: unknown }).value;
    if (typeof v === 'string') return v;
  }
  return undefined;
}
