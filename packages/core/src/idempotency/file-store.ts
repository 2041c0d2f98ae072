import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { MemoryIdempotencyStore, type IdempotencyStore } from './store.js';

/**
 * A durable idempotency store: an append-only file of `expiresAt<TAB>JSON(key)` lines,
 * loaded on open, so deduplication survives a process restart. Each `add` is
 * written synchronously (and fsynced when `fsync` is true, the default) before
 * it returns, so a crash after `add` cannot forget the key. On open the file is
 * compacted (expired entries dropped).
 *
 * One process per file: concurrent writers from several processes are not supported.
 */
export class FileIdempotencyStore implements IdempotencyStore {
  private readonly cache: MemoryIdempotencyStore;
  private fd: number | undefined;

  constructor(
    readonly path: string,
    private readonly options: { fsync?: boolean; now?: () => number } = {},
  ) {
    const now = options.now ?? Date.now;
    this.cache = new MemoryIdempotencyStore(Number.MAX_SAFE_INTEGER, now);
    const live: string[] = [];
    if (existsSync(path)) {
      const t = now();
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        const tab = line.indexOf('\t');
        if (tab <= 0) continue;
        const expires = Number(line.slice(0, tab));
        const key = parseKey(line.slice(tab + 1));
        if (key === undefined) continue; // a torn last line from a crash mid-write
        if (expires > t) {
          this.cache.add(key, expires - t);
          live.push(line);
        }
      }
      const tmp = `${path}.compact`;
      writeFileSync(tmp, live.length ? live.join('\n') + '\n' : '');
      renameSync(tmp, path);
    }
    this.fd = openSync(path, 'a');
  }

  has(key: string): boolean {
    return this.cache.has(key);
  }

  add(key: string, ttlMs: number): void {
    if (this.fd === undefined) throw new Error(`idempotency store ${this.path} is closed`);
    const expires = (this.options.now ?? Date.now)() + ttlMs;
    appendFileSync(this.fd, `${expires}\t${JSON.stringify(key)}\n`);
    if (this.options.fsync !== false) fsyncSync(this.fd);
    this.cache.add(key, ttlMs);
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

function parseKey(text: string): string | undefined {
  try {
    const key: unknown = JSON.parse(text);
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}
