/**
 * Real brokers on loopback: start, stop, restart, kill and inspect them, whatever runtime serves
 * each one (local processes by default, containers where a Docker engine answers and the user asks
 * for them, external endpoints named by environment variables).
 *
 * Contract of `up`: resolves once every service answers its protocol probe; services already
 * running are reused (and reported `reused`). If any service fails, the ones this call started are
 * stopped again (released, for a test run) and the returned promise rejects with one message per
 * failed service, each ending with the tail of that service's log.
 */
import { log as defaultLog, type Logger } from './log.js';
import { Runtimes } from './runtimes/select.js';
import { resolveServices } from './services/index.js';
import type { RunningService, ServiceEnv, ServiceName, ServiceStatus, StartOptions } from './types.js';

export class Brokers {
  private readonly runtimes: Runtimes;

  constructor(private readonly log: Logger = defaultLog) {
    this.runtimes = new Runtimes(log);
  }

  async up(names: readonly string[], options: StartOptions = {}): Promise<RunningService[]> {
    const services = resolveServices(names);
    const results = await Promise.allSettled(
      services.map(async (service) => (await this.runtimes.for(service)).start(service, options)),
    );
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${services[i]}: ${message(r.reason)}`] : [],
    );
    const running = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (failures.length > 0) {
      const undo = running.map((r) => r.service);
      await (
        options.forTestRun
          ? this.release(undo)
          : this.down(running.filter((r) => !r.reused).map((r) => r.service))
      ).catch(() => undefined);
      throw new Error(`broker start failed:\n${failures.join('\n\n')}`);
    }
    return running;
  }

  /** Stops the named services (those served by external endpoints are left alone). */
  async down(names: readonly string[]): Promise<void> {
    const services = resolveServices(names);
    const results = await Promise.allSettled(
      services.map(async (service) => (await this.runtimes.for(service)).stop(service)),
    );
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${services[i]}: ${message(r.reason)}`] : [],
    );
    if (failures.length > 0) throw new Error(`broker stop failed:\n${failures.join('\n')}`);
  }

  /** Ends a test run's use of the named services (see BrokerRuntime.release). */
  async release(names: readonly string[]): Promise<void> {
    const services = resolveServices(names);
    const results = await Promise.allSettled(
      services.map(async (service) => (await this.runtimes.for(service)).release(service)),
    );
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${services[i]}: ${message(r.reason)}`] : [],
    );
    if (failures.length > 0) throw new Error(`broker release failed:\n${failures.join('\n')}`);
  }

  async status(names: readonly string[]): Promise<ServiceStatus[]> {
    const services = resolveServices(names);
    return Promise.all(services.map(async (service) => (await this.runtimes.for(service)).status(service)));
  }

  /** Graceful stop then start keeping the data directory (for fault tests). */
  async restart(service: ServiceName): Promise<RunningService> {
    return (await this.runtimes.for(service)).restart(service);
  }

  /** SIGKILL the service's process group, keeping its data directory; `start` brings it back. */
  async kill(service: ServiceName): Promise<void> {
    await (await this.runtimes.for(service)).kill(service);
  }

  /** Starts one service keeping its data (after `kill`), or with fresh data by default. */
  async start(service: ServiceName, options: StartOptions = {}): Promise<RunningService> {
    return (await this.runtimes.for(service)).start(service, options);
  }
}

/** The environment variables of all `running` services, merged. */
export function envOf(running: readonly RunningService[]): ServiceEnv {
  return Object.assign({}, ...running.map((r) => r.env)) as ServiceEnv;
}

function message(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

let shared: Brokers | undefined;
/** A process-wide instance (fault tests use this). */
export function brokers(): Brokers {
  return (shared ??= new Brokers());
}

/** Hard-kills `service` (SIGKILL to its process group); its data directory is kept. */
export const killBroker = (service: ServiceName): Promise<void> => brokers().kill(service);
/** Gracefully restarts `service` keeping its data directory. */
export const restartBroker = (service: ServiceName): Promise<RunningService> => brokers().restart(service);

export { resolveServices, SERVICES } from './services/index.js';
export { cacheRoot, runDir } from './paths.js';
export type * from './types.js';
export { SERVICE_NAMES } from './types.js';
