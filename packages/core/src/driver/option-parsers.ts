import { ConfigError } from '../errors/errors.js';

/**
 * Parsers for adapter options that arrive either typed (options object) or as
 * strings (URL query). Undefined or an empty string means "not set" (the default);
 * anything else that does not parse is a ConfigError naming the option.
 */

/** An integer option within [min, max]. */
export function intOption(value: unknown, dflt: number, name: string, min: number, max: number): number {
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return dflt;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer between ${min} and ${max}, got ${String(value)}`);
  }
  return n;
}

/** A boolean option: true/false, "true"/"false", "1"/"0". */
export function boolOption(value: unknown, dflt: boolean, name: string): boolean {
  if (value === undefined || value === '') return dflt;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new ConfigError(name, `must be true or false, got ${String(value)}`);
}
