/**
 * A private instance of one of the project's own emulators (Event Hubs or Event Grid) for the
 * soak, on a free loopback port: the shared service spec's launch plan (same CLI, same flags) moved
 * to that port. Killing it disturbs no other suite. The Event Hubs emulator keeps its partitions in
 * its data folder (`--data-dir`, kept across `kill` + `start`); the Event Grid emulator keeps
 * everything in memory, so a restart starts empty (topics are auto-created again on first use).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { groupAlive, killGroup, spawnDetached, stopGroup, tail } from '../../../src/brokers/proc.js';
import { eventgrid, probeEventGrid } from '../../../src/brokers/services/eventgrid.js';
import { eventhubs } from '../../../src/brokers/services/eventhubs.js';
import { LOOPBACK } from '../../../src/brokers/services/spec.js';
import { waitUntil } from '../../../src/brokers/wait.js';
import { freePort } from '../../support/free-port.js';

export type EmulatorKind = 'eventhubs' | 'eventgrid';

function listening(port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, LOOPBACK);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (err) => resolve(err.message));
  });
}

export class PrivateEmulatorNode {
  private pid: number | undefined;
  private readonly onExit = (): void => {
    if (this.pid !== undefined && groupAlive(this.pid)) process.kill(-this.pid, 'SIGKILL');
  };

  private constructor(
    readonly kind: EmulatorKind,
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(kind: EmulatorKind): Promise<PrivateEmulatorNode> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `eventport-soak-${kind}-`));
    return new PrivateEmulatorNode(kind, dir, await freePort());
  }

  get logFile(): string {
    return path.join(this.dir, `${this.kind}.log`);
  }

  /** Starts the emulator (Event Hubs: on its data folder, kept unless `fresh`); resolves once it answers. */
  async start(fresh: boolean): Promise<number> {
    const started = Date.now();
    const spec = this.kind === 'eventhubs' ? eventhubs : eventgrid;
    const plan = await spec.launch({ dir: this.dir, fresh, log: () => undefined });
    const at = plan.args.indexOf('--port');
    if (at < 0) throw new Error(`launch plan has no --port: ${plan.args.join(' ')}`);
    const args = [...plan.args];
    args[at + 1] = String(this.port);
    const pid = await spawnDetached({ ...plan, args }, this.logFile);
    this.pid = pid;
    process.on('exit', this.onExit);
    const endpoint = `http://${LOOPBACK}:${this.port}`;
    await waitUntil(
      `private ${this.kind} emulator on ${endpoint}`,
      async () => {
        if (!groupAlive(pid)) return `exited:\n${tail(this.logFile)}`;
        return this.kind === 'eventgrid'
          ? probeEventGrid(endpoint).catch((e: Error) => e.message)
          : listening(this.port);
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return Date.now() - started;
  }

  /** SIGKILL to the emulator's process group (its data folder stays for `start(false)`). */
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
