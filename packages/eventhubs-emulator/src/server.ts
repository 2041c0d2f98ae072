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
    container.on('sender_open', (c: EventContext) => this.handler(c).onSenderOpen(c.sender!));
    container.on('receiver_open', (c: EventContext) => this.handler(c).onReceiverOpen(c.receiver!));
    container.on('message', (c: EventContext) =>
      this.handler(c).onMessage(c.receiver!, c.message as never, c.delivery!),
    );
    container.on('sendable', (c: EventContext) => this.handler(c).onSendable(c.sender!));
    container.on('sender_close', (c: EventContext) => this.handler(c).onLinkClosed(c));
    container.on('receiver_close', (c: EventContext) => this.handler(c).onLinkClosed(c));
    container.on('session_close', (c: EventContext) => this.handler(c).onClosed(c.session));
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
