/**
 * Which runtime serves a service (decided once per service and process):
 *   0. EVENTPORT_BROKER_RUNTIMES names it         → that runtime. Jest's global setup exports this
 *      (e.g. `kafka=local,moto=local`) so that test workers, which also see the endpoint variables
 *      the setup exported, still drive the local processes (restart/kill in fault tests);
 *   1. its external environment variable is set  → external (nothing is started);
 *   2. EVENTPORT_BROKER_RUNTIME=testcontainers     → containers (fails if no Docker engine answers);
 *      EVENTPORT_BROKER_RUNTIME=auto               → containers if a Docker engine answers, else local;
 *   3. otherwise (default, `local`)                → local processes.
 *   A service whose spec says `localOnly` (no container image exists) skips step 2.
 */
import type { Logger } from '../log.js';
import type { BrokerRuntime, RuntimeKind, ServiceName } from '../types.js';
import { dockerEngineAnswers } from './docker.js';
import { ExternalRuntime, externalEndpoint } from './external.js';
import { LocalRuntime } from './local.js';
import { SERVICES } from '../services/index.js';
import { TestcontainersRuntime } from './testcontainers.js';

export type RuntimePreference = 'local' | 'testcontainers' | 'auto';

export const RUNTIMES_ENV = 'EVENTPORT_BROKER_RUNTIMES';

/** Parses EVENTPORT_BROKER_RUNTIMES (`service=kind,...`). */
function recordedKind(service: ServiceName, env: NodeJS.ProcessEnv): RuntimeKind | undefined {
  for (const pair of (env[RUNTIMES_ENV] ?? '').split(',')) {
    const [name, kind] = pair.split('=').map((s) => s.trim());
    if (name === service && (kind === 'local' || kind === 'testcontainers' || kind === 'external'))
      return kind;
  }
  return undefined;
}

/** The value of EVENTPORT_BROKER_RUNTIMES that records who serves each of `running`. */
export function recordRuntimes(
  running: ReadonlyArray<{ service: ServiceName; runtime: RuntimeKind }>,
): string {
  return running.map((r) => `${r.service}=${r.runtime}`).join(',');
}

export function runtimePreference(env: NodeJS.ProcessEnv = process.env): RuntimePreference {
  const value = (env.EVENTPORT_BROKER_RUNTIME ?? 'local').trim().toLowerCase();
  if (value === 'local' || value === 'testcontainers' || value === 'auto') return value;
  throw new Error(`EVENTPORT_BROKER_RUNTIME must be local, testcontainers or auto (got "${value}")`);
}

/** One instance of each runtime per process, so containers and state are shared. */
export class Runtimes {
  readonly local: LocalRuntime;
  readonly external = new ExternalRuntime();
  private containers?: TestcontainersRuntime;
  private preferred?: Promise<RuntimeKind>;
  private readonly chosen = new Map<ServiceName, Promise<BrokerRuntime>>();

  constructor(log?: Logger) {
    this.local = new LocalRuntime(log);
  }

  private async preferredKind(): Promise<RuntimeKind> {
    this.preferred ??= (async () => {
      const preference = runtimePreference();
      if (preference === 'local') return 'local';
      if (preference === 'testcontainers') return 'testcontainers';
      return (await dockerEngineAnswers()) ? 'testcontainers' : 'local';
    })();
    return this.preferred;
  }

  for(service: ServiceName): Promise<BrokerRuntime> {
    let choice = this.chosen.get(service);
    if (!choice) {
      choice = this.choose(service);
      this.chosen.set(service, choice);
    }
    return choice;
  }

  private async choose(service: ServiceName): Promise<BrokerRuntime> {
    const kind =
      recordedKind(service, process.env) ??
      (externalEndpoint(service)
        ? 'external'
        : SERVICES[service].localOnly
          ? 'local'
          : await this.preferredKind());
    if (kind === 'external') return this.external;
    if (kind === 'testcontainers') return (this.containers ??= new TestcontainersRuntime());
    return this.local;
  }
}
