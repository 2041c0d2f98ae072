/**
 * The external runtime: an environment variable names the endpoint (a real cloud account, a broker
 * a colleague runs, a CI service container). Nothing is started or stopped; `start` only checks,
 * within a bounded time, that the endpoint accepts connections.
 *
 *   kafka      EVENTPORT_KAFKA_BROKERS                    host:port[,host:port...]
 *   elasticmq  EVENTPORT_SQS_ENDPOINT                     http(s) URL of an SQS endpoint
 *   moto       EVENTPORT_MOTO_ENDPOINT                    http(s) URL serving SQS and SNS
 *   pubsub     PUBSUB_EMULATOR_HOST                       host:port
 *   azurite    EVENTPORT_AZURE_STORAGE_CONNECTION_STRING  storage connection string (BlobEndpoint=...)
 *   eventhubs  EVENTPORT_EVENTHUBS_CONNECTION_STRING      Event Hubs connection string (Endpoint=sb://...)
 */
import { hostPort, probeTcp } from '../probes.js';
import { eventHubsTarget } from '../services/eventhubs.js';
import { SERVICES } from '../services/index.js';
import type { BrokerRuntime, RunningService, ServiceName, ServiceStatus } from '../types.js';
import { waitUntil } from '../wait.js';

/** The external endpoint named for `service`, if its environment variable is set. */
export function externalEndpoint(
  service: ServiceName,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const value = env[SERVICES[service].externalEnv]?.trim();
  return value ? value : undefined;
}

/** The host:port to check for reachability (the first Kafka broker, the BlobEndpoint...). */
function target(service: ServiceName, value: string): { host: string; port: number } {
  if (service === 'kafka') return hostPort(value.split(',')[0] ?? value);
  if (service === 'eventhubs') return eventHubsTarget(value);
  if (service === 'azurite') {
    const blob = /BlobEndpoint=([^;]+)/i.exec(value)?.[1];
    const account = /AccountName=([^;]+)/i.exec(value)?.[1];
    return hostPort(blob ?? `https://${account ?? 'unknown'}.blob.core.windows.net`);
  }
  return hostPort(value);
}

export class ExternalRuntime implements BrokerRuntime {
  readonly kind = 'external' as const;

  private value(service: ServiceName): string {
    const value = externalEndpoint(service);
    if (!value) throw new Error(`${service}: ${SERVICES[service].externalEnv} is not set`);
    return value;
  }

  async start(service: ServiceName): Promise<RunningService> {
    const value = this.value(service);
    const { host, port } = target(service, value);
    await waitUntil(
      `${service} at ${host}:${port} (from ${SERVICES[service].externalEnv})`,
      () => probeTcp(host, port),
      {
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
    return {
      service,
      runtime: this.kind,
      endpoint: value,
      env: { [SERVICES[service].externalEnv]: value },
      reused: true,
    };
  }

  async stop(): Promise<void> {
    // Not ours to stop.
  }

  async release(): Promise<void> {
    // Not ours to stop.
  }

  async status(service: ServiceName): Promise<ServiceStatus> {
    const value = this.value(service);
    const { host, port } = target(service, value);
    const probe = await probeTcp(host, port);
    const endpoint = service === 'azurite' ? `${host}:${port}` : value;
    return probe === true
      ? {
          service,
          runtime: this.kind,
          endpoint,
          state: 'ready',
          env: { [SERVICES[service].externalEnv]: value },
        }
      : { service, runtime: this.kind, endpoint, state: 'stopped', detail: probe };
  }

  async restart(service: ServiceName): Promise<RunningService> {
    throw new Error(`${service}: an external endpoint cannot be restarted from here`);
  }

  async kill(service: ServiceName): Promise<void> {
    throw new Error(`${service}: an external endpoint cannot be killed from here`);
  }
}
