/**
 * What the runtimes need to know about one broker. A spec is pure description plus the steps
 * that are specific to that broker (install, prepare a launch, probe); the runtimes own the
 * process and container life cycle.
 */
import type { Logger } from '../log.js';
import type { LaunchPlan } from '../proc.js';
import type { ServiceEnv, ServiceName } from '../types.js';

export interface LaunchContext {
  /** The service's own run folder (config, data, log, pid file). Exists. */
  readonly dir: string;
  /** Wipe the data folder before starting. */
  readonly fresh: boolean;
  readonly log: Logger;
}

/** How the same broker runs as a container (docker-compose.yml uses the same images and ports). */
export interface ContainerSpec {
  readonly image: string;
  /** Container ports, published on the same host ports (127.0.0.1 only). */
  readonly ports: readonly number[];
  readonly command?: readonly string[];
  readonly environment?: Record<string, string>;
}

export interface ServiceSpec {
  readonly name: ServiceName;
  /** Human description, e.g. "Apache Kafka 4.1.1 (KRaft, single node)". */
  readonly title: string;
  /** Every port the local process binds on 127.0.0.1. */
  readonly ports: readonly number[];
  /** The endpoint of the local process and of the container runtime. */
  readonly endpoint: string;
  /** Environment variable that names an external endpoint; when set nothing is started. */
  readonly externalEnv: string;
  /** A string found in the process command line, used to check that a pid file is still ours. */
  readonly processMarker: string;
  readonly startTimeoutMs: number;
  /** How long a graceful stop may take before SIGKILL. */
  readonly stopGraceMs: number;
  readonly container: ContainerSpec;
  /** No container image exists: the local runtime serves it whatever EVENTPORT_BROKER_RUNTIME says. */
  readonly localOnly?: boolean;
  /** Environment variables that point clients at `endpoint`. */
  env(endpoint: string): ServiceEnv;
  /** Resolves true once the service answers a real request of its protocol. */
  probe(endpoint: string): Promise<true | string>;
  /** Installs what is missing (cached; may download on first use). */
  install(log: Logger): Promise<void>;
  /** Writes config, prepares data, and returns the command that runs the service in the foreground. */
  launch(context: LaunchContext): Promise<LaunchPlan>;
}

export const LOOPBACK = '127.0.0.1';

/** The `java` of JAVA_HOME, else the one on PATH. */
export function javaCommand(): string {
  return process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
}

/**
 * JVM flags for quick starts of small brokers on small machines: a capped heap, the serial
 * collector and C1 only (startup matters more than peak throughput in tests). EVENTPORT_JVM_OPTS
 * is appended, so it overrides any of them (e.g. `-XX:TieredStopAtLevel=4 -Xmx1g` for benchmarks).
 */
export function jvmFlags(heap: string): string[] {
  const extra = (process.env.EVENTPORT_JVM_OPTS ?? '').split(/\s+/).filter(Boolean);
  return [
    `-Xmx${heap}`,
    '-Xms64m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    ...extra,
  ];
}
