/**
 * The container runtime, for machines where a Docker engine answers. Thin on purpose: the
 * optional `testcontainers` package is loaded with a dynamic import only when this runtime is
 * chosen (it is never required otherwise), each service runs from the image docker-compose.yml
 * uses, published on the same 127.0.0.1 ports as the local runtime, and readiness is the same
 * protocol probe. Containers live as long as the process that started them (testcontainers'
 * reaper removes them after), so this runtime serves jest runs, not `brokers up`: use
 * `docker compose up` for long-lived containers.
 */
import { SERVICES } from '../services/index.js';
import type { BrokerRuntime, RunningService, ServiceName, ServiceStatus } from '../types.js';
import { waitUntil } from '../wait.js';
import { dockerEngineAnswers } from './docker.js';

/** The few testcontainers calls used here, typed locally so the package stays optional. */
interface StartedContainer {
  stop(options?: { timeout?: number; remove?: boolean }): Promise<unknown>;
  restart(): Promise<unknown>;
}
interface GenericContainer {
  withExposedPorts(...ports: Array<{ container: number; host: number }>): GenericContainer;
  withCommand(command: string[]): GenericContainer;
  withEnvironment(env: Record<string, string>): GenericContainer;
  start(): Promise<StartedContainer>;
}
interface TestcontainersModule {
  GenericContainer: new (image: string) => GenericContainer;
}

async function loadTestcontainers(): Promise<TestcontainersModule> {
  const name = 'testcontainers';
  try {
    return (await import(name)) as TestcontainersModule;
  } catch (error) {
    throw new Error(
      `EVENTPORT_BROKER_RUNTIME=testcontainers needs the optional package testcontainers ` +
        `(npm install --no-save testcontainers): ${(error as Error).message}`,
    );
  }
}

export class TestcontainersRuntime implements BrokerRuntime {
  readonly kind = 'testcontainers' as const;
  private readonly containers = new Map<ServiceName, StartedContainer>();
  private readonly killed = new Set<ServiceName>();

  async start(service: ServiceName): Promise<RunningService> {
    const spec = SERVICES[service];
    const existing = this.containers.get(service);
    if (existing && this.killed.delete(service)) await existing.restart();
    if (!existing) {
      if (!(await dockerEngineAnswers()))
        throw new Error(`${service}: no Docker engine answers for testcontainers`);
      const { GenericContainer } = await loadTestcontainers();
      let container = new GenericContainer(spec.container.image).withExposedPorts(
        ...spec.container.ports.map((port) => ({ container: port, host: port })),
      );
      if (spec.container.command) container = container.withCommand([...spec.container.command]);
      if (spec.container.environment) container = container.withEnvironment(spec.container.environment);
      this.containers.set(service, await container.start());
    }
    await waitUntil(`${service} container (${spec.container.image})`, () => spec.probe(spec.endpoint), {
      timeoutMs: spec.startTimeoutMs + 60_000,
    });
    return {
      service,
      runtime: this.kind,
      endpoint: spec.endpoint,
      env: spec.env(spec.endpoint),
      reused: Boolean(existing),
    };
  }

  async stop(service: ServiceName): Promise<void> {
    await this.containers.get(service)?.stop({ timeout: SERVICES[service].stopGraceMs });
    this.containers.delete(service);
  }

  /** Containers live only as long as this process: releasing one stops it. */
  async release(service: ServiceName): Promise<void> {
    await this.stop(service);
  }

  async status(service: ServiceName): Promise<ServiceStatus> {
    const spec = SERVICES[service];
    const probe = await spec.probe(spec.endpoint).catch((e: Error) => e.message);
    return {
      service,
      runtime: this.kind,
      endpoint: spec.endpoint,
      state: probe === true ? 'ready' : this.containers.has(service) ? 'starting' : 'stopped',
      ...(probe === true ? { env: spec.env(spec.endpoint) } : { detail: probe }),
    };
  }

  async restart(service: ServiceName): Promise<RunningService> {
    const container = this.containers.get(service);
    if (!container) throw new Error(`${service}: no container started by this process`);
    await container.restart();
    return this.start(service);
  }

  async kill(service: ServiceName): Promise<void> {
    const container = this.containers.get(service);
    if (!container) throw new Error(`${service}: no container started by this process`);
    // `docker stop -t 0`: SIGKILL without grace; the container and its data stay for `start`.
    await container.stop({ timeout: 0, remove: false });
    this.killed.add(service);
  }
}
