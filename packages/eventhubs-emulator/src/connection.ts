/**
 * One client connection: its authorization grants, its `$cbs` / `$management` reply links, and
 * the hub links it opened. The server forwards rhea's events for the connection here.
 */
import type { Delivery, EventContext, Message, Receiver, Sender } from 'rhea';
import { notFound, parseAddress } from './address.js';
import { ConnectionGrants, handlePutToken, replyMessage, type Reply } from './cbs.js';
import type { ResolvedOptions } from './config.js';
import { handleManagement } from './management.js';
import type { Namespace } from './namespace.js';
import { PartitionReaderLink } from './receiver-link.js';
import { parseSelector, selectorFromFilter } from './selector.js';
import { HubSenderLink } from './sender-link.js';
import { CAPABILITY as IDEMPOTENT, negotiateProducer } from './idempotence.js';

type Node = 'cbs' | 'management';

/** A receiver capability: runtime metrics in every delivery's delivery annotations. */
const RUNTIME_METRICS = 'com.microsoft:enable-receiver-runtime-metric';

/** AMQP link property carrying the reader's owner level. */
const EPOCH = 'com.microsoft:epoch';

export class ConnectionHandler {
  readonly grants = new ConnectionGrants();
  private readonly replyLinks: Record<Node, Map<string, Sender>> = { cbs: new Map(), management: new Map() };
  private readonly readers = new Map<Sender, PartitionReaderLink>();
  private readonly hubSenders = new Map<Receiver, HubSenderLink | Node>();

  constructor(
    private readonly namespace: Namespace,
    private readonly options: ResolvedOptions,
  ) {}

  /** The client attached a receiver: a reply link or a partition reader. */
  onSenderOpen(sender: Sender): void {
    const source = sender.source as { address?: string; filter?: unknown } | undefined;
    const target = sender.target as { address?: string } | undefined;
    sender.set_source({ address: source?.address ?? '' });
    sender.set_target({ address: target?.address ?? '' });
    const address = parseAddress(source?.address);
    if (address.kind === 'cbs' || address.kind === 'management') {
      this.replyLinks[address.kind].set(target?.address ?? '', sender);
      return;
    }
    if (address.kind !== 'partition-reader') {
      sender.close({ condition: 'amqp:not-found', description: `cannot receive from '${source?.address}'` });
      return;
    }
    const refuse = (error: { condition: string; description: string }) => {
      this.options.log(`refused reader ${source?.address}: ${error.condition} ${error.description}`);
      sender.close(error);
    };
    const hub = this.namespace.hub(address.hub);
    if (!hub) return refuse(notFound(this.options.namespace, address.hub));
    const group = this.namespace.consumerGroup(hub, address.consumerGroup);
    if (!group)
      return refuse(notFound(this.options.namespace, `${hub.name}/ConsumerGroups/${address.consumerGroup}`));
    const partition = hub.partition(address.partition);
    if (!partition)
      return refuse({
        condition: 'com.microsoft:argument-out-of-range',
        description: `The specified partition '${address.partition}' is invalid for ${hub.name}.`,
      });
    if (
      !this.grants.allows(
        `${address.hub}/ConsumerGroups/${address.consumerGroup}/Partitions/${address.partition}`,
      )
    )
      return refuse({
        condition: 'amqp:unauthorized-access',
        description: 'Unauthorized: put a token on $cbs first.',
      });
    let position;
    try {
      position = parseSelector(selectorFromFilter(source?.filter));
    } catch (err) {
      return refuse({ condition: 'amqp:invalid-field', description: (err as Error).message });
    }
    const epochRaw = (sender.properties as Record<string, unknown> | undefined)?.[EPOCH];
    const epoch = epochRaw === undefined || epochRaw === null ? undefined : Number(epochRaw);
    const metrics = capabilities(sender.desired_capabilities).includes(RUNTIME_METRICS);
    const reader = new PartitionReaderLink(
      sender,
      partition,
      group.readersOf(partition.id),
      position,
      epoch,
      metrics,
    );
    const refusal = reader.start();
    if (refusal) return refuse(refusal);
    this.readers.set(sender, reader);
    reader.pump();
  }

  /** The client attached a sender: to `$cbs`, `$management`, or a hub. */
  onReceiverOpen(receiver: Receiver): void {
    const source = receiver.source as { address?: string } | undefined;
    const target = receiver.target as { address?: string } | undefined;
    receiver.set_source({ address: source?.address ?? '' });
    receiver.set_target({ address: target?.address ?? '' });
    const address = parseAddress(target?.address);
    if (address.kind === 'cbs' || address.kind === 'management') {
      this.hubSenders.set(receiver, address.kind);
      return;
    }
    if (address.kind !== 'hub') {
      receiver.close({ condition: 'amqp:not-found', description: `cannot send to '${target?.address}'` });
      return;
    }
    const hub = this.namespace.hub(address.hub);
    if (!hub) return void receiver.close(notFound(this.options.namespace, address.hub));
    const partition = address.partition === undefined ? undefined : hub.partition(address.partition);
    if (address.partition !== undefined && !partition)
      return void receiver.close({
        condition: 'com.microsoft:argument-out-of-range',
        description: `The specified partition '${address.partition}' is invalid for ${hub.name}.`,
      });
    const entity =
      address.partition === undefined ? address.hub : `${address.hub}/Partitions/${address.partition}`;
    if (!this.grants.allows(entity))
      return void receiver.close({
        condition: 'amqp:unauthorized-access',
        description: 'Unauthorized: put a token on $cbs first.',
      });
    const idempotent = capabilities(receiver.desired_capabilities).includes(IDEMPOTENT);
    if (idempotent) {
      const refusal = negotiateProducer(receiver, partition?.producers);
      if (refusal) return void receiver.close(refusal);
    }
    this.hubSenders.set(receiver, new HubSenderLink(hub, partition, this.options.maxMessageSize, idempotent));
  }

  /** A transfer arrived on one of the client's senders. */
  onMessage(receiver: Receiver, message: Message | Buffer, delivery: Delivery): void {
    const handler = this.hubSenders.get(receiver);
    if (handler instanceof HubSenderLink) return handler.onTransfer(message, delivery);
    delivery.accept();
    if (!handler || Buffer.isBuffer(message)) return;
    const reply: Reply =
      handler === 'cbs'
        ? handlePutToken(message, this.grants, this.namespace, this.options)
        : handleManagement(message, this.grants, this.namespace, this.options);
    if (reply.status >= 300) this.options.log(`${handler} ${reply.status}: ${reply.description}`);
    const links = this.replyLinks[handler];
    const link = links.get(String(message.reply_to ?? '')) ?? links.values().next().value;
    link?.send(replyMessage(message, reply));
  }

  /** Credit or window became available on one of our senders. */
  onSendable(sender: Sender): void {
    this.readers.get(sender)?.pump();
  }

  /** One of the connection's links closed. */
  onLinkClosed(context: EventContext): void {
    if (context.sender) {
      this.readers.get(context.sender)?.dispose();
      this.readers.delete(context.sender);
      for (const links of Object.values(this.replyLinks))
        for (const [k, v] of links) if (v === context.sender) links.delete(k);
    }
    if (context.receiver) this.hubSenders.delete(context.receiver);
  }

  /** The connection or one of its sessions ended: forget the links that went with it. */
  onClosed(session?: unknown): void {
    for (const [sender, reader] of this.readers) {
      if (session === undefined || sender.session === session) {
        reader.dispose();
        this.readers.delete(sender);
      }
    }
    for (const receiver of this.hubSenders.keys())
      if (session === undefined || receiver.session === session) this.hubSenders.delete(receiver);
  }
}

/** A link's capabilities (a symbol or an array of symbols) as strings. */
function capabilities(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}
