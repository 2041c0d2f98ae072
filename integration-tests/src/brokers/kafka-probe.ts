/**
 * Kafka readiness, at the protocol level, with kafkajs: a Metadata request (describeCluster)
 * must list a broker, and FindCoordinator for a probe group must succeed, which proves the
 * group coordinator (and so the offsets topic) is ready for consumers.
 */
import { Kafka, logLevel } from 'kafkajs';

export async function probeKafka(brokers: string): Promise<true | string> {
  const kafka = new Kafka({
    clientId: 'eventport-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) return 'metadata lists no broker';
    await admin.describeGroups(['eventport-probe']);
    return true;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
