/**
 * Vocabulary shared by every broker runtime.
 *
 * A *service* is one broker process (or container) we can start: Kafka, ElasticMQ, moto,
 * the Pub/Sub emulator or Azurite. A *runtime* is how a service is obtained: a local process
 * (the default here), a container (testcontainers, only where a Docker engine answers), or an
 * external endpoint named by an environment variable (then nothing is started).
 */

/** Every service this module knows how to run. */
export const SERVICE_NAMES = [
  'kafka',
  'elasticmq',
  'moto',
  'pubsub',
  'azurite',
  'eventgrid',
  'eventhubs',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type RuntimeKind = 'local' | 'testcontainers' | 'external';

/** Environment variables a running service exports to the tests (name → value). */
export type ServiceEnv = Record<string, string>;

/** A service that is up and answered its readiness probe. */
export interface RunningService {
  readonly service: ServiceName;
  readonly runtime: RuntimeKind;
  /** What clients connect to: `host:port` for Kafka and Pub/Sub, a URL for the HTTP services. */
  readonly endpoint: string;
  /** Environment variables that point the tests (and EventPort adapters) at this service. */
  readonly env: ServiceEnv;
  /** True when the service was already running and this call only found it. */
  readonly reused: boolean;
  /** Process group leader for local processes; absent for containers and external endpoints. */
  readonly pid?: number;
}

export interface ServiceStatus {
  readonly service: ServiceName;
  readonly runtime: RuntimeKind;
  readonly endpoint: string;
  /** `ready`: the probe answered; `starting`: our process lives but the probe does not answer yet. */
  readonly state: 'ready' | 'starting' | 'stopped';
  readonly pid?: number;
  /** Environment variables for the tests, present when `state` is `ready`. */
  readonly env?: ServiceEnv;
  /** Absolute path of the service's log file (local runtime only). */
  readonly logFile?: string;
  readonly detail?: string;
}

export interface StartOptions {
  /**
   * Wipe the service's data directory before a new start (default true). Ignored when an already
   * running service is reused. `restart` and fault tests start with `fresh: false`.
   */
  readonly fresh?: boolean;
  /**
   * Start on behalf of a test run (jest global setup): this process takes a lease on the service,
   * and a service it starts is stopped by `release` once no live test run holds a lease. Without
   * it (the `brokers` script) a started or reused service keeps running until stopped explicitly.
   */
  readonly forTestRun?: boolean;
}

/**
 * One way of running brokers. Every method is bounded in time and throws an Error whose message
 * names the service and, for local processes, ends with the tail of its log.
 */
export interface BrokerRuntime {
  readonly kind: RuntimeKind;
  /** Installs if missing, starts, and resolves once a protocol-level probe answers. Reuses a ready service. */
  start(service: ServiceName, options?: StartOptions): Promise<RunningService>;
  /** Stops the service if this runtime manages it; a no-op when it is not running. */
  stop(service: ServiceName): Promise<void>;
  /**
   * Ends this process's use of a service started or reused with `forTestRun`: stops it when a test
   * run started it and no other live test run still uses it; otherwise leaves it running.
   */
  release(service: ServiceName): Promise<void>;
  status(service: ServiceName): Promise<ServiceStatus>;
  /** Graceful stop then start, keeping the data directory. */
  restart(service: ServiceName): Promise<RunningService>;
  /** SIGKILL (or container kill) without any shutdown; the data directory is kept. */
  kill(service: ServiceName): Promise<void>;
}
