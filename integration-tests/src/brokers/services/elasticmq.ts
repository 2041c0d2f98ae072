/**
 * ElasticMQ, an SQS-compatible server on the JVM, from Maven Central (its jars live apart from
 * Kafka's). In memory, SQS REST API on 127.0.0.1:9324, statistics UI off.
 */
import fs from 'node:fs';
import path from 'node:path';
import { installJars, type MavenArtifact } from '../install/maven.js';
import { cacheRoot } from '../paths.js';
import { probeSqs } from '../probes.js';
import { javaCommand, jvmFlags, LOOPBACK, type LaunchContext, type ServiceSpec } from './spec.js';

export const ELASTICMQ_VERSION = '1.7.1';
const PORT = 9324;
const INSTALL_NAME = `elasticmq-${ELASTICMQ_VERSION}`;

const ARTIFACTS: MavenArtifact[] = [
  { groupId: 'org.elasticmq', artifactId: 'elasticmq-server_2.13', version: ELASTICMQ_VERSION },
  // Pin the logging facade to the 2.x line that ElasticMQ's logback binding expects.
  { groupId: 'org.slf4j', artifactId: 'slf4j-api', version: '2.0.17' },
];

const CONFIG = `include classpath("application.conf")
node-address { protocol = http, host = "${LOOPBACK}", port = ${PORT}, context-path = "" }
rest-sqs { enabled = true, bind-port = ${PORT}, bind-hostname = "${LOOPBACK}", sqs-limits = strict }
rest-stats { enabled = false }
`;

async function launch({ dir }: LaunchContext) {
  const config = path.join(dir, 'elasticmq.conf');
  fs.writeFileSync(config, CONFIG);
  return {
    command: javaCommand(),
    args: [
      ...jvmFlags('256m'),
      `-Dconfig.file=${config}`,
      '-cp',
      path.join(cacheRoot(), INSTALL_NAME, 'libs', '*'),
      'org.elasticmq.server.Main',
    ],
    cwd: dir,
  };
}

export const elasticmq: ServiceSpec = {
  name: 'elasticmq',
  title: `ElasticMQ ${ELASTICMQ_VERSION} (SQS)`,
  ports: [PORT],
  endpoint: `http://${LOOPBACK}:${PORT}`,
  externalEnv: 'EVENTPORT_SQS_ENDPOINT',
  processMarker: 'org.elasticmq.server.Main',
  startTimeoutMs: 60_000,
  stopGraceMs: 10_000,
  container: { image: 'softwaremill/elasticmq-native:1.7.1', ports: [PORT] },
  env: (endpoint) => ({ EVENTPORT_SQS_ENDPOINT: endpoint }),
  probe: probeSqs,
  install: async (log) => {
    await installJars(INSTALL_NAME, ARTIFACTS, log);
  },
  launch,
};
