/**
 * A bounded memo of strings that passed a validation: events of one stream repeat the same
 * source, type and extension values, so each distinct value is checked by its regular expression
 * once and then found by one hash lookup. Holds at most `max` strings (cleared when full); a
 * string is only ever added after it passed, so a hit can never let an invalid value through.
 */
export class ValidStrings {
  private readonly seen = new Set<string>();
  /** The last value that passed: a stream repeats it event after event, found without hashing. */
  private last: string | undefined;

  constructor(
    private readonly check: (value: string) => boolean,
    private readonly max = 512,
    private readonly maxLength = 256,
  ) {}

  /** Whether `value` passes the check (memoised for strings up to `maxLength` characters). */
  test(value: string): boolean {
    if (value === this.last) return true;
    if (this.seen.has(value)) {
      this.last = value;
      return true;
    }
    if (!this.check(value)) return false;
    this.last = value;
    if (value.length <= this.maxLength) {
      if (this.seen.size >= this.max) this.seen.clear();
      this.seen.add(value);
    }
    return true;
  }
}
