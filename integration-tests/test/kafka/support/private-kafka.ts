/**
 * A single-node Kafka of the fault suite's own, on free loopback ports, assembled from the brokers
 * module's pieces: the same jars and server configuration (`kafka` service spec), its process-group
 * control (spawn detached, SIGKILL, SIGTERM) and its protocol probe. Killing this node cannot
 * disturb suites that run against the shared broker on 9092 at the same time (jest runs suites in
 * parallel on machines with more than two cores).
 *
 * With `saslSsl`, the node gets a second listener, SASL_SSL with SCRAM-SHA-512 on a port of its own:
 * its certificate is signed by a throwaway CA made at `create` (see test-ca.ts), and the SCRAM users
 * are written when the storage is formatted. Failed authentications (SASL or TLS) are logged by the
 * broker, one line per connection: `authFailures()` counts them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeKafka } from '../../../src/brokers/kafka-probe.js';
import { groupAlive, killGroup, spawnDetached, stopGroup, tail } from '../../../src/brokers/proc.js';
import { cacheRoot } from '../../../src/brokers/paths.js';
import { runChecked } from '../../../src/brokers/run.js';
import { clusterId, KAFKA_VERSION, kafka as kafkaSpec } from '../../../src/brokers/services/kafka.js';
import { javaCommand, LOOPBACK } from '../../../src/brokers/services/spec.js';
import { waitUntil } from '../../../src/brokers/wait.js';
import { createTestCa, type TestCa } from './test-ca.js';
import { freePort } from '../../support/free-port.js';

const SHARED_PORT = 9092;
const SHARED_CONTROLLER_PORT = 9093;

export interface PrivateKafkaOptions {
  /** Adds a SASL_SSL listener (SCRAM-SHA-512 over TLS) for these users (name → password). */
  readonly saslSsl?: { readonly users: Readonly<Record<string, string>> };
}

/** The SASL_SSL listener of a node created with `saslSsl`. */
export interface SaslSslListener {
  readonly port: number;
  readonly endpoint: string;
  /** The CA that signed the listener's certificate (a client must trust it). */
  readonly ca: TestCa;
}

/** Name of the SASL_SSL listener in the broker's configuration. */
const SECURE = 'SASL_SSL';

export class PrivateKafka {
  private pid: number | undefined;
  /**
   * When set before `start`, the PLAINTEXT listener advertises this loopback port instead of its
   * own: clients then reach the node only through whatever listens there (the soak's switchable
   * proxy, which can cut the network between them).
   */
  advertisedPort: number | undefined;
  private readonly onExit = (): void => {
    if (this.pid !== undefined && groupAlive(this.pid)) process.kill(-this.pid, 'SIGKILL');
  };

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly controllerPort: number,
    private readonly log: (line: string) => void,
    /** The SASL_SSL listener, when created with `saslSsl`. */
    readonly saslSsl?: SaslSslListener,
    private readonly users: Readonly<Record<string, string>> = {},
  ) {}

  /** Creates the node's folder, picks its ports and, with `saslSsl`, makes its CA (nothing runs yet). */
  static async create(
    log: (line: string) => void = () => undefined,
    options: PrivateKafkaOptions = {},
  ): Promise<PrivateKafka> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventport-fault-kafka-'));
    const [port, controllerPort] = [await freePort(), await freePort()];
    if (options.saslSsl === undefined) return new PrivateKafka(dir, port, controllerPort, log);
    const tlsDir = path.join(dir, 'tls');
    fs.mkdirSync(tlsDir);
    const securePort = await freePort();
    const listener = {
      port: securePort,
      endpoint: `${LOOPBACK}:${securePort}`,
      ca: await createTestCa(tlsDir),
    };
    return new PrivateKafka(dir, port, controllerPort, log, listener, options.saslSsl.users);
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
    // SCRAM users are written at format time, so such a node formats its storage itself
    // (launch then finds it formatted and leaves it)
    if (this.saslSsl !== undefined) await this.formatWithUsers(fresh);
    const plan = await kafkaSpec.launch({
      dir: this.dir,
      fresh: fresh && this.saslSsl === undefined,
      log: this.log,
    });
    // the shared broker's configuration, moved to this node's own ports
    const properties = path.join(this.dir, 'config', 'server.properties');
    let text = fs
      .readFileSync(properties, 'utf8')
      .replaceAll(`:${SHARED_PORT}`, `:${this.port}`)
      .replaceAll(`:${SHARED_CONTROLLER_PORT}`, `:${this.controllerPort}`);
    if (this.advertisedPort !== undefined)
      text = text.replace(
        `advertised.listeners=PLAINTEXT://${LOOPBACK}:${this.port}`,
        `advertised.listeners=PLAINTEXT://${LOOPBACK}:${this.advertisedPort}`,
      );
    if (this.saslSsl !== undefined) text = this.withSaslSsl(text, this.saslSsl);
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

  /**
   * Connections the broker refused in authentication (wrong SASL credentials, failed TLS
   * handshake), from its log: one line per connection.
   */
  authFailures(): number {
    if (!fs.existsSync(this.logFile)) return 0;
    return fs
      .readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('Failed authentication with')).length;
  }

  /** The broker's log (for looking for secrets in it). */
  logText(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  private async formatWithUsers(fresh: boolean): Promise<void> {
    const dataDir = path.join(this.dir, 'data');
    if (fresh) fs.rmSync(dataDir, { recursive: true, force: true });
    if (fs.existsSync(path.join(dataDir, 'meta.properties'))) return;
    const configDir = path.join(this.dir, 'config');
    fs.mkdirSync(configDir, { recursive: true });
    // what formatting reads of the node's configuration (launch writes the full one)
    const formatProperties = path.join(configDir, 'format.properties');
    fs.writeFileSync(
      formatProperties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@${LOOPBACK}:${this.controllerPort}`,
        'controller.listener.names=CONTROLLER',
        `listeners=PLAINTEXT://${LOOPBACK}:${this.port},CONTROLLER://${LOOPBACK}:${this.controllerPort}`,
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${dataDir}`,
        '',
      ].join('\n'),
    );
    const scram = Object.entries(this.users).flatMap(([name, password]) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${name},password=${password}]`,
    ]);
    this.log('formatting storage with SCRAM users');
    await runChecked(
      javaCommand(),
      [
        '-Xmx256m',
        '-XX:TieredStopAtLevel=1',
        '-cp',
        path.join(cacheRoot(), `kafka-${KAFKA_VERSION}`, 'libs', '*'),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(),
        '-c',
        formatProperties,
        ...scram,
      ],
      { timeoutMs: 60_000, cwd: this.dir },
    );
  }

  /** Adds the SASL_SSL listener (SCRAM-SHA-512, the CA's certificate) to `server.properties` text. */
  private withSaslSsl(text: string, listener: SaslSslListener): string {
    const address = `${SECURE}://${listener.endpoint}`;
    const lines = text.split('\n').map((line) => {
      if (line.startsWith('listeners=') || line.startsWith('advertised.listeners='))
        return `${line},${address}`;
      if (line.startsWith('listener.security.protocol.map=')) return `${line},${SECURE}:SASL_SSL`;
      return line;
    });
    const prefix = `listener.name.${SECURE.toLowerCase()}`;
    lines.push(
      `${prefix}.sasl.enabled.mechanisms=SCRAM-SHA-512`,
      `${prefix}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
      `${prefix}.ssl.keystore.type=PKCS12`,
      `${prefix}.ssl.keystore.location=${listener.ca.keystoreFile}`,
      `${prefix}.ssl.keystore.password=${listener.ca.keystorePassword}`,
      `${prefix}.ssl.key.password=${listener.ca.keystorePassword}`,
      `${prefix}.ssl.client.auth=none`,
      '',
    );
    // the broker logs refused authentications (one line per connection) at INFO
    const log4j = path.join(this.dir, 'config', 'log4j2.properties');
    fs.appendFileSync(
      log4j,
      'logger.auth.name = org.apache.kafka.common.network.Selector\nlogger.auth.level = INFO\n',
    );
    return lines.join('\n');
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
