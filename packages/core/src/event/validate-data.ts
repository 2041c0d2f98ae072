import { InvalidEventError } from '../errors/errors.js';

/**
 * Checks that `data` can be carried on the wire and freezes JSON structures.
 * Accepts: undefined, null, booleans, finite numbers, strings, Uint8Array,
 * and plain arrays/objects of those (Date is allowed: JSON renders it as a string).
 * Rejects with InvalidEventError("data"): BigInt, functions, symbols, NaN/Infinity,
 * cycles, and class instances other than Date/Uint8Array.
 * Returns the value to store. Binary data (Uint8Array) is not copied — typed
 * arrays cannot be frozen and a copy per event costs more than the rest of the
 * pipeline — so the event takes ownership of the bytes: do not mutate a buffer
 * after passing it to `createEvent` or `send`.
 */
export function validateAndFreezeData(data: unknown): unknown {
  if (data instanceof Uint8Array) return data;
  if (data === undefined || data === null) return data;
  walk(data, '$', new Set());
  return data;
}

/** Deeper JSON than this is refused (it would overflow the stack of encoders and parsers). */
export const MAX_DATA_DEPTH = 512;

function walk(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw bad(path, `${value} is not representable in JSON`);
      return;
    case 'undefined':
      return;
    case 'bigint':
      throw bad(path, 'BigInt is not serialisable; convert it to a string');
    case 'function':
    case 'symbol':
      throw bad(path, `a ${typeof value} is not serialisable`);
  }
  if (value === null) return;
  const obj = value as object;
  if (obj instanceof Date) return;
  if (obj instanceof Uint8Array) throw bad(path, 'binary data is only supported as the whole payload');
  if (ancestors.has(obj)) throw bad(path, 'cyclic structure');
  if (ancestors.size >= MAX_DATA_DEPTH)
    throw bad(path.slice(0, 60) + '…', `nested deeper than ${MAX_DATA_DEPTH} levels`);
  const proto = Object.getPrototypeOf(obj) as unknown;
  const isArray = Array.isArray(obj);
  if (!isArray && proto !== Object.prototype && proto !== null) {
    throw bad(
      path,
      `instances of ${(obj.constructor as { name?: string } | undefined)?.name ?? 'a class'} are not serialisable`,
    );
  }
  ancestors.add(obj);
  if (isArray) {
    const arr = obj as unknown[];
    for (let i = 0; i < arr.length; i++) walk(arr[i], `${path}[${i}]`, ancestors);
  } else {
    for (const k of Object.keys(obj)) walk((obj as Record<string, unknown>)[k], `${path}.${k}`, ancestors);
  }
  ancestors.delete(obj);
  Object.freeze(obj);
}

function bad(path: string, reason: string): InvalidEventError {
  return new InvalidEventError('data', `${path}: ${reason}`);
}
