/**
 * The emulator as a library: `await EventHubsEmulator.start(options)`, then `close()`.
 */
import { resolveOptions, type EmulatorOptions, type ResolvedOptions } from './config.js';
import { Namespace } from './namespace.js';
import { AmqpServer } from './server.js';

export class EventHubsEmulator {
  private retentionTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    readonly options: ResolvedOptions,
    readonly namespace: Namespace,
    private readonly server: AmqpServer,
    /** The bound AMQP port. */
    readonly port: number,
  ) {}

  /** Loads persisted hubs (with `dataDir`), binds the AMQP port and serves until {@link close}. */
  static async start(options: EmulatorOptions = {}): Promise<EventHubsEmulator> {
    const resolved = resolveOptions(options);
    const namespace = new Namespace(resolved);
    namespace.applyRetention();
    const server = new AmqpServer(namespace, resolved);
    let port: number;
    try {
      port = await server.listen();
    } catch (err) {
      namespace.close();
      throw err;
    }
    const emulator = new EventHubsEmulator(resolved, namespace, server, port);
    emulator.retentionTimer = setInterval(() => namespace.applyRetention(), 1000);
    emulator.retentionTimer.unref();
    resolved.log(`listening on amqp://${resolved.host}:${port}`);
    return emulator;
  }

  /**
   * A connection string for the `@azure/event-hubs` client (plain AMQP, `UseDevelopmentEmulator=true`),
   * signed with the first configured key; with `hub`, it names the hub as `EntityPath`.
   */
  connectionString(hub?: string): string {
    const key = this.options.keys[0]!;
    const host = this.options.host === '0.0.0.0' ? '127.0.0.1' : this.options.host;
    return (
      `Endpoint=sb://${host}:${this.port};SharedAccessKeyName=${key.name};SharedAccessKey=${key.key};` +
      `UseDevelopmentEmulator=true${hub ? `;EntityPath=${hub}` : ''}`
    );
  }

  /** Stops listening, drops connections and closes the partition files. */
  async close(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.retentionTimer = undefined;
    await this.server.close();
    this.namespace.close();
  }
}
