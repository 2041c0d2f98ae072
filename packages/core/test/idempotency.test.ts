import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileIdempotencyStore } from '../src/idempotency/file-store.js';
import { MemoryIdempotencyStore, idempotencyKey } from '../src/idempotency/store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventport-idem-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('idempotencyKey', () => {
  it('is source + id, unambiguous', () => {
    expect(idempotencyKey({ source: 'a', id: 'b' })).not.toBe(idempotencyKey({ source: 'ab', id: '' }));
    expect(idempotencyKey({ source: '/s', id: '1' })).toBe(idempotencyKey({ source: '/s', id: '1' }));
  });
});

describe('MemoryIdempotencyStore', () => {
  it('remembers keys until their TTL passes', () => {
    let now = 1000;
    const s = new MemoryIdempotencyStore(10, () => now);
    s.add('a', 100);
    expect(s.has('a')).toBe(true);
    expect(s.has('b')).toBe(false);
    now = 1099;
    expect(s.has('a')).toBe(true);
    now = 1100;
    expect(s.has('a')).toBe(false);
    expect(s.size).toBe(0);
  });

  it('evicts the oldest entries beyond its bound; re-adding refreshes', () => {
    const s = new MemoryIdempotencyStore(2);
    s.add('a', 60_000);
    s.add('b', 60_000);
    s.add('a', 60_000); // refresh: now newest
    s.add('c', 60_000);
    expect(s.size).toBe(2);
    expect(s.has('b')).toBe(false);
    expect(s.has('a')).toBe(true);
    expect(s.has('c')).toBe(true);
  });
});

describe('FileIdempotencyStore (durable)', () => {
  it('survives a restart: write, close, reopen a new instance on the same file', () => {
    const path = join(dir, 'store.log');
    const first = new FileIdempotencyStore(path);
    first.add('/shop\u0000order-1', 60_000);
    first.add('key with "quotes"\ttab', 60_000);
    first.close();
    first.close(); // idempotent
    const second = new FileIdempotencyStore(path);
    expect(second.has('/shop\u0000order-1')).toBe(true);
    expect(second.has('key with "quotes"\ttab')).toBe(true);
    expect(second.has('/shop\u0000order-2')).toBe(false);
    second.close();
  });

  it('drops expired entries on reopen (and compacts the file)', () => {
    const path = join(dir, 'store.log');
    let now = 1_000_000;
    const a = new FileIdempotencyStore(path, { now: () => now, fsync: false });
    a.add('short', 100);
    a.add('long', 10_000);
    a.close();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
    now += 5_000;
    const b = new FileIdempotencyStore(path, { now: () => now });
    expect(b.has('short')).toBe(false);
    expect(b.has('long')).toBe(true);
    b.close();
    expect(readFileSync(path, 'utf8')).toBe(`${1_000_000 + 10_000}\t"long"\n`);
    now += 10_000;
    const c = new FileIdempotencyStore(path, { now: () => now });
    expect(c.has('long')).toBe(false);
    c.close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('expires entries in memory too while open', () => {
    let now = 0;
    const s = new FileIdempotencyStore(join(dir, 's.log'), { now: () => now, fsync: false });
    s.add('k', 50);
    expect(s.has('k')).toBe(true);
    now = 50;
    expect(s.has('k')).toBe(false);
    s.close();
  });

  it('tolerates a torn last line (crash mid-write) and junk lines', () => {
    const path = join(dir, 'store.log');
    const s = new FileIdempotencyStore(path);
    s.add('complete', 60_000);
    s.close();
    appendFileSync(path, `${Date.now() + 60_000}\t"torn-ke`); // no closing quote, no newline
    appendFileSync(path, '');
    const reopened = new FileIdempotencyStore(path);
    expect(reopened.has('complete')).toBe(true);
    expect(reopened.has('torn-ke')).toBe(false);
    // the store keeps working after recovery, and the torn line is gone
    reopened.add('after', 60_000);
    reopened.close();
    const again = new FileIdempotencyStore(path);
    expect(again.has('after')).toBe(true);
    expect(again.has('complete')).toBe(true);
    again.close();
    expect(readFileSync(path, 'utf8')).not.toContain('torn');

    const junk = join(dir, 'junk.log');
    writeFileSync(
      junk,
      `\nno-tab-here\n\t"empty-expiry"\n${Date.now() + 60_000}\t42\n${Date.now() + 60_000}\t"ok"\n`,
    );
    const j = new FileIdempotencyStore(junk);
    expect(j.has('ok')).toBe(true);
    expect(j.has('42')).toBe(false);
    j.close();
  });

  it('refuses to add after close', () => {
    const s = new FileIdempotencyStore(join(dir, 'c.log'));
    s.close();
    expect(() => s.add('k', 1000)).toThrow(/is closed/);
  });
});
