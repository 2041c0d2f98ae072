import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Kafka, LogEntry, Producer, SASLOptions } from 'kafkajs';
import {
  ClosedError,
  EventPortError,
  TopicNotFoundError,
  type CapabilityReport,
  type Driver,
  type DriverFactory,
  type DriverReceiver,
  type DriverSender,
  type ReceiverOptions,
  type SenderOptions,
  type TopicOptions,
} from '@eventport/core/driver';
import { consoleLogger, type Logger } from '@eventport/core/driver';
import { kafkaCapabilities } from './capabilities.js';
import { describeConfig, parseKafkaConfig, type KafkaConfig } from './config.js';
import { mapKafkaError, protocolType, rootCause } from './errors.js';
import { eventPortPartitioner } from './partitioner.js';
import { KafkaReceiver } from './receiver.js';
import { KafkaSender } from './sender.js';
import { createTopicAndWait } from './topic-creation.js';

const { logLevel } = kafkajs;

/**
 * The driver behind `kafka://host:port[,host:port]`: one kafkajs client; a shared producer for
 * at-least-once / at-most-once senders and a shared idempotent producer for idempotent ones; a
 * consumer per receiver; an admin client for topics and start positions.
 */
export class KafkaDriver implements Driver {
  readonly name = 'kafka';
  readonly capabilities: CapabilityReport;
  readonly kafka: Kafka;
  private adminClient: Promise<Admin> | undefined;
  private plainProducer: Promise<Producer> | undefined;
  private idempotentProducer: Promise<Producer> | undefined;
  private readonly knownTopics = new Set<string>();
  private readonly creating = new Map<string, Promise<void>>();
  private readonly receivers = new Set<DriverReceiver>();
  private readonly senders = new Set<DriverSender>();
  private readonly instanceId: string;
  private transactional = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    readonly config: KafkaConfig,
    private readonly logger: Logger = consoleLogger(),
  ) {
    this.capabilities = kafkaCapabilities(config.maxEventSize);
    this.instanceId = config.instanceId ?? randomBytes(4).toString('hex');
    this.kafka = new kafkajs.Kafka({
      clientId: config.clientId,
      brokers: [...config.brokers],
      ssl: config.ssl,
      sasl: config.sasl === undefined ? undefined : ({ ...config.sasl } as SASLOptions),
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      retry: { initialRetryTime: 100, maxRetryTime: 3_000, retries: 5 },
      logLevel: logLevel.INFO,
      logCreator: () => (entry: LogEntry) => this.log(entry),
    });
  }

  describe(): string {
    return describeConfig(this.config);
  }

  async openSender(topic: string, options: SenderOptions): Promise<DriverSender> {
    this.assertOpen();
    await this.ensureTopic(topic);
    const producer = options.idempotent ? () => this.producer(true) : () => this.producer(false);
    const scope = options.idempotent
      ? `${[...this.config.brokers].sort().join(',')}\u0000${topic}`
      : undefined;
    const sender = new KafkaSender(producer, topic, scope, this.config.maxEventSize);
    this.senders.add(sender);
    return sender;
  }

  async openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    this.assertOpen();
    await this.ensureTopic(topic);
    const delivery = options.delivery ?? 'at-least-once';
    const transactionalId =
      delivery === 'exactly-once'
        ? `${this.config.transactionalIdPrefix}.${options.group}.${topic}.${this.instanceId}.${++this.transactional}`
        : undefined;
    const receiver = await KafkaReceiver.open({
      kafka: this.kafka,
      config: this.config,
      topic,
      options,
      delivery,
      logger: this.logger,
      admin: () => this.admin(),
      ensureTopic: (t) => this.ensureTopic(t),
      transactionalId,
    });
    if (this.closed) {
      await receiver.close();
      throw new ClosedError(this.describe());
    }
    this.receivers.add(receiver);
    return receiver;
  }

  async createTopic(topic: string, options: TopicOptions = {}): Promise<void> {
    this.assertOpen();
    const admin = await this.admin();
    await createTopicAndWait(admin, {
      topic,
      numPartitions: options.partitions ?? this.config.partitions,
      replicationFactor: this.config.replicationFactor,
    });
    this.knownTopics.add(topic);
  }

  async deleteTopic(topic: string): Promise<void> {
    this.assertOpen();
    this.knownTopics.delete(topic);
    const admin = await this.admin();
    try {
      await admin.deleteTopics({ topics: [topic] });
    } catch (err) {
      if (protocolType(err) !== 'UNKNOWN_TOPIC_OR_PARTITION')
        throw mapKafkaError(err, `deleting topic "${topic}"`);
    }
  }

  /** The kafkajs `Kafka` client (create your own producers, consumers, admin). */
  raw(): Kafka {
    return this.kafka;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.receivers].map((r) => r.close()));
    await Promise.allSettled([...this.senders].map((s) => s.close()));
    const clients = [this.plainProducer, this.idempotentProducer, this.adminClient];
    await Promise.allSettled(
      clients.map(async (c) => {
        const client = await c?.catch(() => undefined);
        await client?.disconnect();
      }),
    );
  }

  /**
   * Makes sure `topic` exists: known topics pass at once; a missing one is created (with the
   * configured partitions and replication) or, with auto-creation off, reported as TopicNotFoundError.
   */
  async ensureTopic(topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    let creating = this.creating.get(topic);
    if (creating === undefined) {
      creating = this.checkOrCreate(topic).finally(() => this.creating.delete(topic));
      this.creating.set(topic, creating);
    }
    await creating;
  }

  private async checkOrCreate(topic: string): Promise<void> {
    const admin = await this.admin();
    let topics: string[];
    try {
      topics = await admin.listTopics();
    } catch (err) {
      throw mapKafkaError(err, `looking up topic "${topic}"`);
    }
    if (topics.includes(topic)) {
      this.knownTopics.add(topic);
      return;
    }
    if (!this.config.autoCreateTopics) throw new TopicNotFoundError(topic);
    await this.createTopic(topic);
  }

  /** The shared admin client (connected on first use). */
  admin(): Promise<Admin> {
    this.adminClient ??= connectClient(this.kafka.admin(), 'connecting the admin client').catch(
      (err: unknown) => {
        this.adminClient = undefined;
        throw err;
      },
    );
    return this.adminClient;
  }

  private producer(idempotent: boolean): Promise<Producer> {
    const make = (): Promise<Producer> =>
      connectClient(
        this.kafka.producer(
          idempotent
            ? {
                idempotent: true,
                maxInFlightRequests: 1,
                allowAutoTopicCreation: false,
                createPartitioner: eventPortPartitioner,
                retry: { initialRetryTime: 100, maxRetryTime: 3_000, retries: 5 },
              }
            : {
                allowAutoTopicCreation: false,
                createPartitioner: eventPortPartitioner,
                retry: { retries: 0 },
              },
        ),
        'connecting the producer',
      );
    if (idempotent) {
      this.idempotentProducer ??= make().catch((err: unknown) => {
        this.idempotentProducer = undefined;
        throw err;
      });
      return this.idempotentProducer;
    }
    this.plainProducer ??= make().catch((err: unknown) => {
      this.plainProducer = undefined;
      throw err;
    });
    return this.plainProducer;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(this.describe());
  }

  /** kafkajs logs go to the EventPort logger one level down (its errors are mostly retried transients). */
  private log(entry: LogEntry): void {
    const { message, error, groupId, topic, broker, retryCount } = entry.log as Record<string, unknown>;
    const fields: Record<string, unknown> = { kafkajs: entry.namespace };
    for (const [k, v] of Object.entries({ error, groupId, topic, broker, retryCount }))
      if (v !== undefined) fields[k] = v;
    const text = `kafkajs: ${String(message)}`;
    if (entry.level === logLevel.ERROR) this.logger.info(text, fields);
    else this.logger.debug(text, fields);
  }
}

async function connectClient<T extends { connect(): Promise<void> }>(client: T, what: string): Promise<T> {
  try {
    await client.connect();
  } catch (err) {
    throw tlsRejection(err, what) ?? mapKafkaError(err, what);
  }
  return client;
}

/** Node's codes for a broker certificate that failed verification (untrusted CA, wrong host, expired). */
const TLS_VERIFY_CODES =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_(HAS_EXPIRED|NOT_YET_VALID|UNTRUSTED|REJECTED|REVOKED|SIGNATURE_FAILURE|CHAIN_TOO_LONG)|INVALID_CA|HOSTNAME_MISMATCH)$/;

/**
 * A TLS handshake that failed because the broker's certificate was not trusted: an AUTHENTICATION
 * error that is not retryable (kafkajs reports it as a retriable connection error, but only a
 * configuration change helps: trust the broker's CA with `sslCa` or `ssl.ca`).
 */
function tlsRejection(err: unknown, what: string): EventPortError | undefined {
  const root = rootCause(err);
  const code = root.code;
  if (typeof code !== 'string' || !TLS_VERIFY_CODES.test(code)) return undefined;
  return new EventPortError(
    'AUTHENTICATION',
    `kafka: ${what} failed: the broker's TLS certificate was rejected (${code}: ${root.message ?? ''}); trust its CA with the sslCa option or ssl.ca`,
    { retryable: false, cause: err },
  );
}

/** Registered for the `kafka` scheme. */
export const kafkaDriverFactory: DriverFactory = {
  scheme: 'kafka',
  packageName: '@eventport/kafka',
  create: (url, options, context) => {
    const { logger, ...rest } = options as { logger?: Logger } & Record<string, unknown>;
    return new KafkaDriver(parseKafkaConfig(url, rest), isLogger(logger) ? logger : context?.logger);
  },
};

function isLogger(v: unknown): v is Logger {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Logger).warn === 'function' &&
    typeof (v as Logger).debug === 'function'
  );
}
