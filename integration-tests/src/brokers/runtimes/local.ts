/**
 * The local-process runtime (the default): each service runs as a detached process group bound to
 * 127.0.0.1, with its pid file, log, config and data under `<cache>/run/<service>/`. Because the
 * pid file outlives the starting process, `brokers up` in one shell and `brokers down` (or a jest
 * run that reuses the brokers) in another see the same services.
 */
import fs from 'node:fs';
import path from 'node:path';
import { addLease, liveLeases, readOwner, removeLease, writeOwner } from '../leases.js';
import { withLock } from '../lock.js';
import { log as defaultLog, type Logger } from '../log.js';
import { runDir } from '../paths.js';
import { isAlive, killGroup, readPid, spawnDetached, stopGroup, tail } from '../proc.js';
import { probeTcp } from '../probes.js';
import { SERVICES } from '../services/index.js';
import type { ServiceSpec } from '../services/spec.js';
import type { BrokerRuntime, RunningService, ServiceName, ServiceStatus, StartOptions } from '../types.js';
import { waitUntil } from '../wait.js';

interface Files {
  readonly dir: string;
  readonly pidFile: string;
  readonly logFile: string;
}

function files(service: ServiceName): Files {
  const dir = runDir(service);
  return { dir, pidFile: path.join(dir, 'pid'), logFile: path.join(dir, `${service}.log`) };
}

async function probeOnce(spec: ServiceSpec): Promise<true | string> {
  try {
    return await spec.probe(spec.endpoint);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export class LocalRuntime implements BrokerRuntime {
  readonly kind = 'local' as const;

  constructor(private readonly log: Logger = defaultLog) {}

  /** The pid of our live process for `service`, if its pid file names one. */
  pidOf(service: ServiceName): number | undefined {
    const pid = readPid(files(service).pidFile);
    return pid !== undefined && isAlive(pid, SERVICES[service].processMarker) ? pid : undefined;
  }

  async start(service: ServiceName, options: StartOptions = {}): Promise<RunningService> {
    const spec = SERVICES[service];
    await spec.install(this.log);
    return withLock(`start-${service}`, spec.startTimeoutMs + 30_000, () => this.startLocked(spec, options));
  }

  private async startLocked(spec: ServiceSpec, options: StartOptions): Promise<RunningService> {
    const { dir, pidFile, logFile } = files(spec.name);
    const running = this.pidOf(spec.name);
    if (running !== undefined) {
      // Ours, maybe still starting (another `up` or jest run): wait for it rather than start twice.
      await this.waitReady(spec, running, logFile);
      if (options.forTestRun) addLease(dir, process.pid);
      else writeOwner(dir, 'cli'); // `brokers up` adopts it: it now runs until `brokers down`
      return this.describe(spec, true, running);
    }
    if ((await probeOnce(spec)) === true) {
      this.log(`${spec.name}: something already serves ${spec.endpoint}; reusing it`);
      return this.describe(spec, true, undefined);
    }
    for (const port of spec.ports) {
      if ((await probeTcp('127.0.0.1', port, 500)) === true) {
        throw new Error(
          `${spec.name}: port ${port} is taken by another program that does not answer as ${spec.title}; free it first`,
        );
      }
    }
    fs.mkdirSync(dir, { recursive: true });
    const plan = await spec.launch({ dir, fresh: options.fresh ?? true, log: this.log });
    if (fs.existsSync(logFile)) fs.renameSync(logFile, `${logFile}.1`); // keep the previous run's log
    const started = Date.now();
    const pid = await spawnDetached(plan, logFile);
    fs.writeFileSync(pidFile, String(pid));
    writeOwner(dir, options.forTestRun ? 'test-run' : 'cli');
    if (options.forTestRun) addLease(dir, process.pid);
    try {
      await this.waitReady(spec, pid, logFile);
    } catch (error) {
      await stopGroup(pid, 2000).catch(() => undefined);
      fs.rmSync(pidFile, { force: true });
      removeLease(dir, process.pid);
      throw error;
    }
    this.log(
      `${spec.name}: ready on ${spec.endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${pid})`,
    );
    return this.describe(spec, false, pid);
  }

  private async waitReady(spec: ServiceSpec, pid: number, logFile: string): Promise<void> {
    try {
      await waitUntil(`${spec.name} (${spec.title})`, () => spec.probe(spec.endpoint), {
        timeoutMs: spec.startTimeoutMs,
        intervalMs: 200,
        abort: () => (isAlive(pid) ? undefined : `process ${pid} exited before it was ready`),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${reason}\n--- last lines of ${logFile} ---\n${tail(logFile)}`);
    }
  }

  private describe(spec: ServiceSpec, reused: boolean, pid: number | undefined): RunningService {
    return {
      service: spec.name,
      runtime: this.kind,
      endpoint: spec.endpoint,
      env: spec.env(spec.endpoint),
      reused,
      ...(pid !== undefined ? { pid } : {}),
    };
  }

  async stop(service: ServiceName): Promise<void> {
    const spec = SERVICES[service];
    const { pidFile } = files(service);
    const pid = this.pidOf(service);
    if (pid !== undefined) {
      const how = await stopGroup(pid, spec.stopGraceMs);
      this.log(`${service}: stopped (pid ${pid}, ${how})`);
    }
    fs.rmSync(pidFile, { force: true });
  }

  async release(service: ServiceName): Promise<void> {
    const spec = SERVICES[service];
    const { dir } = files(service);
    await withLock(`start-${service}`, spec.startTimeoutMs + 30_000, async () => {
      removeLease(dir, process.pid);
      if (this.pidOf(service) === undefined || readOwner(dir) !== 'test-run') return;
      const others = liveLeases(dir);
      if (others.length > 0) {
        this.log(`${service}: still used by test run(s) ${others.join(', ')}; leaving it running`);
        return;
      }
      await this.stop(service);
    });
  }

  async kill(service: ServiceName): Promise<void> {
    const pid = this.pidOf(service);
    if (pid === undefined) throw new Error(`${service}: not running here, nothing to kill`);
    await killGroup(pid);
    fs.rmSync(files(service).pidFile, { force: true });
    this.log(`${service}: killed with SIGKILL (pid ${pid}); data kept`);
  }

  async restart(service: ServiceName): Promise<RunningService> {
    await this.stop(service);
    return this.start(service, { fresh: false });
  }

  async status(service: ServiceName): Promise<ServiceStatus> {
    const spec = SERVICES[service];
    const { logFile } = files(service);
    const pid = this.pidOf(service);
    const probe = await probeOnce(spec);
    const state = probe === true ? 'ready' : pid !== undefined ? 'starting' : 'stopped';
    return {
      service,
      runtime: this.kind,
      endpoint: spec.endpoint,
      state,
      ...(pid !== undefined ? { pid, logFile } : {}),
      ...(probe === true ? { env: spec.env(spec.endpoint) } : { detail: probe }),
      ...(probe === true && pid === undefined
        ? { detail: 'served by a process this tool did not start' }
        : {}),
    };
  }
}
