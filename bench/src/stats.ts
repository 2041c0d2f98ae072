/** Small helpers shared by the benchmarks: percentiles, RSS sampling, formatting. */

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function sortedCopy(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort();
}

/** Samples RSS every 20 ms while running, returns the peak in MiB. */
export class RssSampler {
  private peak = process.memoryUsage.rss();
  private readonly timer = setInterval(() => this.sample(), 20);

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }

  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.peak / (1024 * 1024);
  }
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Rejects when `p` has not settled within `ms` (every benchmark wait is bounded). */
export function bounded<T>(p: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs raw then EventPort, or the other way round on odd rounds (so drift favours neither). */
export async function pair<T>(round: number, raw: () => Promise<T>, ep: () => Promise<T>): Promise<[T, T]> {
  gc();
  if (round % 2 === 0) {
    const a = await raw();
    gc();
    return [a, await ep()];
  }
  const b = await ep();
  gc();
  return [await raw(), b];
}
