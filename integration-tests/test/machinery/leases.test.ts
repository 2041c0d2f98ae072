/**
 * Leases decide whether the last test run using a broker stops it (no broker needed here).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addLease, liveLeases, readOwner, removeLease, writeOwner } from '../../src/brokers/leases.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventport-leases-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('an unknown owner is treated as `cli`, so it is never stopped automatically', () => {
  expect(readOwner(dir)).toBe('cli');
  writeOwner(dir, 'test-run');
  expect(readOwner(dir)).toBe('test-run');
});

test('only leases of live processes count, dead ones are cleaned up', () => {
  addLease(dir, process.pid);
  addLease(dir, 2 ** 22 + 12345); // above Linux's pid_max: never a live process
  expect(liveLeases(dir)).toEqual([process.pid]);
  expect(fs.readdirSync(path.join(dir, 'leases'))).toEqual([String(process.pid)]);
  removeLease(dir, process.pid);
  expect(liveLeases(dir)).toEqual([]);
});
