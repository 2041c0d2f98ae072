/**
 * A single-node Kafka of the fault suite's own, on free loopback ports, assembled from the brokers
 * module's pieces: the same jars and server configuration (`kafka` service spec), its process-group
 * control (spawn detached, SIGKILL, SIGTERM) and its protocol probe. Killing this node cannot
 * disturb suites that run against the shared broker on 9092 at the same time (jest runs suites in
 * parallel on machines with more than two cores).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { probeKafka } from '../../../src/brokers/kafka-probe.js';
import { groupAlive, killGroup, spawnDetached, stopGroup, tail } from '../../../src/brokers/proc.js';
import { kafka as kafkaSpec } from '../../../src/brokers/services/kafka.js';
import { waitUntil } from '../../../src/brokers/wait.js';

const SHARED_PORT = 9092;
const SHARED_CONTROLLER_PORT = 9093;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class PrivateKafka {
  private pid: number | undefined;
  private readonly onExit = (): void => {
    if (this.pid !== undefined && groupAlive(this.pid)) process.kill(-this.pid, 'SIGKILL');
  };

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly controllerPort: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Creates the node's folder and picks its ports (nothing runs yet). */
  static async create(log: (line: string) => void = () => undefined): Promise<PrivateKafka> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventport-fault-kafka-'));
    return new PrivateKafka(dir, await freePort(), await freePort(), log);
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  get logFile(): string {
    return path.join(this.dir, 'kafka.log');
  }

  /** Starts the node (keeping its data unless `fresh`) and resolves once it answers Metadata and FindCoordinator. */
  async start(fresh: boolean): Promise<number> {
    const started = Date.now();
    await kafkaSpec.install(this.log);
    const plan = await kafkaSpec.launch({ dir: this.dir, fresh, log: this.log });
    // the shared broker's configuration, moved to this node's own ports
    const properties = path.join(this.dir, 'config', 'server.properties');
    const text = fs
      .readFileSync(properties, 'utf8')
      .replaceAll(`:${SHARED_PORT}`, `:${this.port}`)
      .replaceAll(`:${SHARED_CONTROLLER_PORT}`, `:${this.controllerPort}`);
    fs.writeFileSync(properties, text);
    const pid = await spawnDetached(plan, this.logFile);
    this.pid = pid;
    process.on('exit', this.onExit);
    await waitUntil(
      `private kafka on ${this.endpoint}`,
      async () => (groupAlive(pid) ? probeKafka(this.endpoint) : `exited:\n${tail(this.logFile)}`),
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    return Date.now() - started;
  }

  /** SIGKILL to the node's process group (its data stays for `start(false)`). */
  async kill(): Promise<void> {
    if (this.pid !== undefined) await killGroup(this.pid);
    this.pid = undefined;
  }

  /** Stops the node gracefully and deletes its folder. */
  async destroy(): Promise<void> {
    if (this.pid !== undefined) await stopGroup(this.pid, 15_000).catch(() => undefined);
    this.pid = undefined;
    process.off('exit', this.onExit);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
