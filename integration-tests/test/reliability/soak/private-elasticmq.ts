/**
 * An ElasticMQ node of the soak's own, on a free loopback port, so that killing it cannot disturb
 * other suites (or other people's runs) on the shared node at 9324. Same jars as the shared one
 * (`elasticmq` service spec's install). Messages and queues are persisted (H2 database and a queues
 * file in the node's folder), so a SIGKILL loses at most what ElasticMQ had not written yet:
 * without persistence every kill would empty the queue, and the soak would measure ElasticMQ's
 * memory, not EventPort.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheRoot } from '../../../src/brokers/paths.js';
import { probeSqs } from '../../../src/brokers/probes.js';
import { groupAlive, killGroup, spawnDetached, stopGroup, tail } from '../../../src/brokers/proc.js';
import { ELASTICMQ_VERSION, elasticmq } from '../../../src/brokers/services/elasticmq.js';
import { javaCommand, jvmFlags, LOOPBACK } from '../../../src/brokers/services/spec.js';
import { waitUntil } from '../../../src/brokers/wait.js';
import { freePort } from '../../support/free-port.js';

export class PrivateElasticMq {
  private pid: number | undefined;
  private readonly onExit = (): void => {
    if (this.pid !== undefined && groupAlive(this.pid)) process.kill(-this.pid, 'SIGKILL');
  };

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivateElasticMq> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventport-soak-elasticmq-'));
    return new PrivateElasticMq(dir, await freePort());
  }

  get endpoint(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  get logFile(): string {
    return path.join(this.dir, 'elasticmq.log');
  }

  /** Starts the node (its persisted queues and messages are kept) and resolves once it answers. */
  async start(): Promise<number> {
    const started = Date.now();
    await elasticmq.install(() => undefined);
    const config = path.join(this.dir, 'elasticmq.conf');
    fs.writeFileSync(
      config,
      [
        'include classpath("application.conf")',
        `node-address { protocol = http, host = "${LOOPBACK}", port = ${this.port}, context-path = "" }`,
        `rest-sqs { enabled = true, bind-port = ${this.port}, bind-hostname = "${LOOPBACK}", sqs-limits = strict }`,
        'rest-stats { enabled = false }',
        `queues-storage { enabled = true, path = "${path.join(this.dir, 'queues.conf')}" }`,
        `messages-storage { enabled = true, uri = "jdbc:h2:${path.join(this.dir, 'messages')}" }`,
        '',
      ].join('\n'),
    );
    const pid = await spawnDetached(
      {
        command: javaCommand(),
        args: [
          ...jvmFlags('256m'),
          `-Dconfig.file=${config}`,
          '-cp',
          path.join(cacheRoot(), `elasticmq-${ELASTICMQ_VERSION}`, 'libs', '*'),
          'org.elasticmq.server.Main',
        ],
        cwd: this.dir,
      },
      this.logFile,
    );
    this.pid = pid;
    process.on('exit', this.onExit);
    await waitUntil(
      `private elasticmq on ${this.endpoint}`,
      async () => (groupAlive(pid) ? probeSqs(this.endpoint) : `exited:\n${tail(this.logFile)}`),
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    return Date.now() - started;
  }

  /** SIGKILL to the node's process group (its files stay for `start()`). */
  async kill(): Promise<void> {
    if (this.pid !== undefined) await killGroup(this.pid);
    this.pid = undefined;
  }

  /** Stops the node and deletes its folder. */
  async destroy(): Promise<void> {
    if (this.pid !== undefined) await stopGroup(this.pid, 10_000).catch(() => undefined);
    this.pid = undefined;
    process.off('exit', this.onExit);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
