import { ConfigError } from '../errors/errors.js';

/**
 * Shape checks for option objects given to connect, producers, consumers and sends. Unknown
 * keys are refused with a ConfigError that suggests the nearest valid name (a misspelled
 * `concurency` must not be silently ignored); values of the wrong type are refused by name.
 * Pure; never reads a getter twice.
 */

/** Refuses anything but a plain object (or undefined, which means "no options"). */
export function checkOptionsObject(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(where, `options must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Refuses keys that are not in `known`, naming the nearest known one. */
export function checkKnownKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = nearest(key, known);
    const hint = near !== undefined ? `; did you mean "${near}"?` : `; valid options: ${known.join(', ')}`;
    throw new ConfigError(`${where}.${key}`, `unknown option${hint}`);
  }
}

/** A list of strings, such as `require`. A lone string is refused rather than split into characters. */
export function checkStringList(value: unknown, name: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ConfigError(name, `must be an array of strings, got ${describe(value)}`);
  }
  return value as string[];
}

/** An object whose named members are functions (a logger, a store), or undefined. */
export function checkMethods(value: unknown, name: string, methods: readonly string[]): void {
  if (value === undefined) return;
  const missing =
    value === null || typeof value !== 'object'
      ? methods
      : methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    throw new ConfigError(
      name,
      `must be an object with ${methods.join(', ')} methods, got ${describe(value)}`,
    );
  }
}

/** A function or undefined. */
export function checkFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new ConfigError(name, `must be a function, got ${describe(value)}`);
  }
}

/** An AbortSignal (or undefined). */
export function checkSignal(value: unknown, name: string): void {
  if (value === undefined) return;
  const s = value as { aborted?: unknown; addEventListener?: unknown } | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    typeof s.aborted !== 'boolean' ||
    typeof s.addEventListener !== 'function'
  ) {
    throw new ConfigError(name, `must be an AbortSignal, got ${describe(value)}`);
  }
}

/** A boolean or undefined. */
export function checkBoolean(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ConfigError(name, `must be true or false, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object' || typeof value === 'function') return `a ${typeof value}`;
  return `${typeof value} ${String(value)}`;
}

/** The known name closest to `key` by edit distance, when it is close enough to be a typo. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const name of known) {
    const d = editDistance(lower, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}
