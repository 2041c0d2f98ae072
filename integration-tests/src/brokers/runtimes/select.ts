/**
 * Which runtime serves a service:
 *   1. its external environment variable is set  → external (nothing is started);
 *   2. EVENTPORT_BROKER_RUNTIME=testcontainers     → containers (fails if no Docker engine answers);
 *      EVENTPORT_BROKER_RUNTIME=auto               → containers if a Docker engine answers, else local;
 *   3. otherwise (default, `local`)                → local processes.
 */
import type { Logger } from '../log.js';
import type { BrokerRuntime, RuntimeKind, ServiceName } from '../types.js';
import { dockerEngineAnswers } from './docker.js';
import { ExternalRuntime, externalEndpoint } from './external.js';
import { LocalRuntime } from './local.js';
import { TestcontainersRuntime } from './testcontainers.js';

export type RuntimePreference = 'local' | 'testcontainers' | 'auto';

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

  async for(service: ServiceName): Promise<BrokerRuntime> {
    if (externalEndpoint(service)) return this.external;
    if ((await this.preferredKind()) === 'testcontainers')
      return (this.containers ??= new TestcontainersRuntime());
    return this.local;
  }
}
