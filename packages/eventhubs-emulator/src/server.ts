/**
 * The AMQP 1.0 listener (rhea): plain TCP, SASL ANONYMOUS (or none), one
 * {@link ConnectionHandler} per connection. Links the client opens to receive get pre-settled
 * deliveries; links it opens to send advertise `max_message_size`.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import rhea from 'rhea';
import type { Connection, EventContext } from 'rhea';
import type { ResolvedOptions } from './config.js';
import { ConnectionHandler } from './connection.js';
import type { Namespace } from './namespace.js';

export class AmqpServer {
  private server: Server | undefined;
  private readonly handlers = new WeakMap<Connection, ConnectionHandler>();
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly namespace: Namespace,
    private readonly options: ResolvedOptions,
  ) {}

  private handler(context: EventContext): ConnectionHandler {
    let h = this.handlers.get(context.connection);
    if (!h) {
      h = new ConnectionHandler(this.namespace, this.options);
      this.handlers.set(context.connection, h);
      this.connections.add(context.connection);
    }
    return h;
  }

  /** Starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    const container = rhea.create_container({ id: 'eventhubs-emulator' });
    const on = (event: string, handle: (c: EventContext, h: ConnectionHandler) => void) =>
      container.on(event, (c: EventContext) => {
        try {
          handle(c, this.handler(c));
        } catch (err) {
          // a bug must not take the whole emulator down: drop the one connection, log why
          this.options.log(`${event}: ${(err as Error)?.stack ?? String(err)}`);
          c.connection.close({
            condition: 'amqp:internal-error',
            description: String((err as Error)?.message ?? err),
          });
        }
      });
    on('sender_open', (c, h) => h.onSenderOpen(c.sender!));
    on('receiver_open', (c, h) => h.onReceiverOpen(c.receiver!));
    on('message', (c, h) => h.onMessage(c.receiver!, c.message as never, c.delivery!));
    on('sendable', (c, h) => h.onSendable(c.sender!));
    on('sender_close', (c, h) => h.onLinkClosed(c));
    on('receiver_close', (c, h) => h.onLinkClosed(c));
    on('session_close', (c, h) => h.onClosed(c.session));
    container.on('connection_close', (c: EventContext) => this.forget(c.connection));
    container.on('disconnected', (c: EventContext) => this.forget(c.connection));
    container.on('error', (err: unknown) =>
      this.options.log(`amqp: ${String((err as Error)?.message ?? err)}`),
    );
    const server = container.listen({
      host: this.options.host,
      port: this.options.port,
      tcp_no_delay: true,
      container_id: 'eventhubs-emulator',
      sender_options: { snd_settle_mode: 1 },
      receiver_options: {
        autoaccept: false,
        credit_window: 1000,
        max_message_size: this.options.maxMessageSize,
      },
    } as never) as Server;
    this.server = server;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      if (server.listening) return resolve();
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
    return (server.address() as AddressInfo).port;
  }

  private forget(connection: Connection): void {
    this.handlers.get(connection)?.onClosed();
    this.handlers.delete(connection);
    this.connections.delete(connection);
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const connection of this.connections) this.forget(connection);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
