/**
 * Apache Kafka 4.1.1, single node KRaft (broker + controller in one JVM), assembled from Maven
 * Central jars and run on Java 17. PLAINTEXT on 127.0.0.1:9092, controller on 127.0.0.1:9093.
 * Internal topics have one partition and replication factor 1 so that a start takes seconds.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { installJars, type MavenArtifact } from '../install/maven.js';
import { probeKafka } from '../kafka-probe.js';
import { cacheRoot } from '../paths.js';
import { runChecked } from '../run.js';
import { javaCommand, jvmFlags, LOOPBACK, type LaunchContext, type ServiceSpec } from './spec.js';

export const KAFKA_VERSION = '4.1.1';
const LOG4J_VERSION = '2.24.3';
const PORT = 9092;
const CONTROLLER_PORT = 9093;
const INSTALL_NAME = `kafka-${KAFKA_VERSION}`;

const ARTIFACTS: MavenArtifact[] = [
  { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: LOG4J_VERSION },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: LOG4J_VERSION },
  { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-api', version: LOG4J_VERSION },
];

function serverProperties(dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${LOOPBACK}:${CONTROLLER_PORT}`,
    `listeners=PLAINTEXT://${LOOPBACK}:${PORT},CONTROLLER://${LOOPBACK}:${CONTROLLER_PORT}`,
    `advertised.listeners=PLAINTEXT://${LOOPBACK}:${PORT}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'share.coordinator.state.topic.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=2',
    'num.recovery.threads.per.data.dir=1',
    '',
  ].join('\n');
}

const LOG4J2 = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.clients.name = org.apache.kafka
logger.clients.level = WARN
`;

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding, never starting with '-' (the
 * storage tool would read such an id as an option and fail; Kafka's own ids avoid it too).
 */
export function clusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function libsDir(): string {
  return path.join(cacheRoot(), INSTALL_NAME, 'libs');
}

async function launch({ dir, fresh, log }: LaunchContext) {
  const configDir = path.join(dir, 'config');
  const dataDir = path.join(dir, 'data');
  if (fresh) fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(configDir, { recursive: true });
  const properties = path.join(configDir, 'server.properties');
  const log4j = path.join(configDir, 'log4j2.properties');
  fs.writeFileSync(properties, serverProperties(dataDir));
  fs.writeFileSync(log4j, LOG4J2);
  const classpath = path.join(libsDir(), '*');
  const logging = [`-Dlog4j2.configurationFile=${log4j}`, `-Dkafka.logs.dir=${path.join(dir, 'logs')}`];
  if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
    log('kafka: formatting storage (KRaft)');
    await runChecked(
      javaCommand(),
      [
        '-Xmx256m',
        ...logging,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(),
        '-c',
        properties,
      ],
      { timeoutMs: 60_000, cwd: dir },
    );
  }
  return {
    command: javaCommand(),
    args: [...jvmFlags('512m'), ...logging, '-cp', classpath, 'kafka.Kafka', properties],
    cwd: dir,
  };
}

export const kafka: ServiceSpec = {
  name: 'kafka',
  title: `Apache Kafka ${KAFKA_VERSION} (KRaft, single node)`,
  ports: [PORT, CONTROLLER_PORT],
  endpoint: `${LOOPBACK}:${PORT}`,
  externalEnv: 'EVENTPORT_KAFKA_BROKERS',
  processMarker: 'kafka.Kafka',
  startTimeoutMs: 90_000,
  stopGraceMs: 20_000,
  container: {
    image: `apache/kafka:${KAFKA_VERSION}`,
    ports: [PORT],
    environment: {
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://:${PORT},CONTROLLER://:${CONTROLLER_PORT}`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${LOOPBACK}:${PORT}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${CONTROLLER_PORT}`,
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    },
  },
  env: (endpoint) => ({ EVENTPORT_KAFKA_BROKERS: endpoint }),
  probe: probeKafka,
  install: async (log) => {
    await installJars(INSTALL_NAME, ARTIFACTS, log);
  },
  launch,
};
