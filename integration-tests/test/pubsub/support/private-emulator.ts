/**
 * A Pub/Sub emulator of a test's own, on a free loopback port, from the brokers module's pieces:
 * the `pubsub` service spec (install and launch plan, moved to this port), its process-group
 * control (spawn detached, SIGKILL, SIGTERM) and its probe. Killing it cannot disturb suites that
 * use the shared emulator on 8085 at the same time. The emulator keeps everything in memory, so a
 * restart starts empty.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probePubSub } from '../../../src/brokers/probes.js';
import { groupAlive, killGroup, spawnDetached, stopGroup, tail } from '../../../src/brokers/proc.js';
import { pubsub as pubsubSpec } from '../../../src/brokers/services/pubsub.js';
import { LOOPBACK } from '../../../src/brokers/services/spec.js';
import { waitUntil } from '../../../src/brokers/wait.js';
import { freePort } from '../../support/free-port.js';

export class PrivateEmulator {
  private pid: number | undefined;
  private readonly onExit = (): void => {
    if (this.pid !== undefined && groupAlive(this.pid)) process.kill(-this.pid, 'SIGKILL');
  };

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Picks a port and makes the emulator's folder (nothing runs yet). */
  static async create(): Promise<PrivateEmulator> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventport-fault-pubsub-'));
    return new PrivateEmulator(dir, await freePort());
  }

  /** host:port for `emulatorHost`. */
  get host(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  get logFile(): string {
    return path.join(this.dir, 'pubsub.log');
  }

  /** Starts the emulator (empty) and resolves once it answers `topics.list`; returns the time it took. */
  async start(): Promise<number> {
    const started = Date.now();
    const log = (): void => undefined;
    await pubsubSpec.install(log);
    const plan = await pubsubSpec.launch({ dir: this.dir, fresh: true, log });
    const args = plan.args.map((a) => (a.startsWith('--port=') ? `--port=${this.port}` : a));
    if (!args.includes(`--port=${this.port}`))
      throw new Error(`launch plan has no --port: ${args.join(' ')}`);
    const pid = await spawnDetached({ ...plan, args }, this.logFile);
    this.pid = pid;
    process.on('exit', this.onExit);
    await waitUntil(
      `private pubsub emulator on ${this.host}`,
      async () => (groupAlive(pid) ? probePubSub(this.host) : `exited:\n${tail(this.logFile)}`),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return Date.now() - started;
  }

  /** SIGKILL to the emulator's process group. */
  async kill(): Promise<void> {
    if (this.pid !== undefined) await killGroup(this.pid);
    this.pid = undefined;
  }

  /** Stops the emulator and deletes its folder. */
  async destroy(): Promise<void> {
    if (this.pid !== undefined) await stopGroup(this.pid, 5_000).catch(() => undefined);
    this.pid = undefined;
    process.off('exit', this.onExit);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
