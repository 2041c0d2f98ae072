import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * A unit-level model of one SQS FIFO queue that follows the documented FIFO
 * rules, not an emulator's leniency:
 *
 * - a message group is locked while any of its messages is in flight (received
 *   and its visibility timeout not over): nothing of the group is received then;
 * - a receive returns messages of unlocked groups in queue order, several of one
 *   group in order, each with a new receipt handle; ApproximateReceiveCount counts
 *   receives;
 * - a receipt handle is valid only while its message is in flight on that receive:
 *   once the visibility ends (or the message is received again) a delete or a
 *   visibility change with it fails (ReceiptHandleIsInvalid);
 * - MessageDeduplicationId drops resends within 5 minutes.
 *
 * It answers the commands the adapter sends (`send(command, options)` like
 * SQSClient) and reads the clock through Date.now(), so jest's fake timers drive
 * it. `faults` fails chosen requests; `latency` delays chosen ones (so one sent
 * later can be applied first, as over several connections to the real service).
 */
export interface ModelMessage {
  readonly id: string;
  readonly seq: number;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue> | undefined;
  readonly group: string;
  receiveCount: number;
  /** Visible from (ms); in flight while > now. */
  visibleAt: number;
  receipt: string | undefined;
  deleted: boolean;
}

export interface ModelOp {
  readonly op: string;
  readonly at: number;
  readonly entries?: readonly {
    readonly id: string | undefined;
    readonly ok: boolean;
    readonly code?: string;
  }[];
}

export class FifoModel {
  readonly messages: ModelMessage[] = [];
  /** Every request with its outcome per entry (message ids). */
  readonly log: ModelOp[] = [];
  /** Returns an error to throw instead of answering this request (fault injection). */
  faults: ((op: string, input: unknown) => Error | undefined) | undefined;
  /** How long (ms of the model's clock) a request takes before it is applied; requests in flight may overtake each other. */
  latency: ((op: string, input: unknown) => number) | undefined;
  private seq = 0;
  private receipts = 0;
  private readonly dedupe = new Map<string, number>();

  /** This model as the SQSClient the adapter's classes take. */
  get client(): SQSClient {
    return this as unknown as SQSClient;
  }

  /** Sends `bodies` to group `group` (outside the adapter). */
  put(group: string, bodies: readonly string[], attributes?: Record<string, MessageAttributeValue>): void {
    for (const body of bodies) this.append(body, attributes, group);
  }

  /** Message bodies of a group still in the queue, in order. */
  remaining(group?: string): string[] {
    return this.messages
      .filter((m) => !m.deleted && (group === undefined || m.group === group))
      .map((m) => m.body);
  }

  inFlight(m: ModelMessage, now = Date.now()): boolean {
    return !m.deleted && m.receipt !== undefined && m.visibleAt > now;
  }

  async send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    const op = (command as { constructor: { name: string } }).constructor.name.replace(/Command$/, '');
    const input = (command as { input: unknown }).input;
    const fault = this.faults?.(op, input);
    await Promise.resolve();
    const delay = this.latency?.(op, input) ?? 0;
    if (delay > 0) await new Promise<void>((resolve) => setTimeout(resolve, delay));
    if (fault !== undefined) {
      this.log.push({ op: `${op} (fault)`, at: Date.now() });
      throw fault;
    }
    if (command instanceof ReceiveMessageCommand) return this.receive(command.input, options?.abortSignal);
    if (command instanceof DeleteMessageBatchCommand) return this.delete(command.input);
    if (command instanceof ChangeMessageVisibilityBatchCommand) return this.changeVisibility(command.input);
    if (command instanceof SendMessageBatchCommand) return this.sendBatch(command.input);
    throw new Error(`the FIFO model does not answer ${op}`);
  }

  private append(body: string, attributes: Record<string, MessageAttributeValue> | undefined, group: string) {
    const id = `m${this.seq}`;
    this.messages.push({
      id,
      seq: this.seq++,
      body,
      attributes,
      group,
      receiveCount: 0,
      visibleAt: 0,
      receipt: undefined,
      deleted: false,
    });
    return id;
  }

  private available(max: number, visibilityS: number): Message[] {
    const now = Date.now();
    const locked = new Set<string>();
    for (const m of this.messages) if (this.inFlight(m, now)) locked.add(m.group);
    const out: Message[] = [];
    for (const m of this.messages) {
      if (out.length >= max) break;
      if (m.deleted || locked.has(m.group)) continue;
      if (m.visibleAt > now) {
        locked.add(m.group); // invisible (a nack's delay) and not received: the group waits for it
        continue;
      }
      m.receiveCount++;
      m.receipt = `r${++this.receipts}:${m.id}`;
      m.visibleAt = now + visibilityS * 1000;
      out.push({
        MessageId: m.id,
        ReceiptHandle: m.receipt,
        Body: m.body,
        ...(m.attributes !== undefined ? { MessageAttributes: m.attributes } : {}),
        Attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: '0',
          MessageGroupId: m.group,
        },
      });
    }
    return out;
  }

  private async receive(
    input: ReceiveMessageCommand['input'],
    signal: AbortSignal | undefined,
  ): Promise<{ Messages?: Message[] }> {
    const max = input.MaxNumberOfMessages ?? 1;
    const visibility = input.VisibilityTimeout ?? 30;
    const deadline = Date.now() + (input.WaitTimeSeconds ?? 0) * 1000;
    for (;;) {
      if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      const got = this.available(max, visibility);
      if (got.length > 0 || Date.now() >= deadline) {
        this.log.push({
          op: 'Receive',
          at: Date.now(),
          entries: got.map((m) => ({ id: m.MessageId, ok: true })),
        });
        return got.length > 0 ? { Messages: got } : {};
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 100);
        function done(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  private byReceipt(receipt: string | undefined): ModelMessage | undefined {
    const m = this.messages.find((x) => x.receipt === receipt && receipt !== undefined);
    return m !== undefined && this.inFlight(m) ? m : undefined;
  }

  private delete(input: DeleteMessageBatchCommand['input']) {
    return this.batch('Delete', input.Entries ?? [], (e) => {
      const m = this.byReceipt(e.ReceiptHandle);
      if (m === undefined) return undefined;
      m.deleted = true;
      return m;
    });
  }

  private changeVisibility(input: ChangeMessageVisibilityBatchCommand['input']) {
    return this.batch('ChangeVisibility', input.Entries ?? [], (e) => {
      const m = this.byReceipt(e.ReceiptHandle);
      if (m === undefined) return undefined;
      m.visibleAt = Date.now() + (e.VisibilityTimeout ?? 0) * 1000;
      if (e.VisibilityTimeout === 0) m.receipt = undefined;
      return m;
    });
  }

  private batch<E extends { Id?: string; ReceiptHandle?: string }>(
    op: string,
    entries: readonly E[],
    apply: (e: E) => ModelMessage | undefined,
  ) {
    const Successful: { Id?: string }[] = [];
    const Failed: { Id?: string; Code: string; SenderFault: boolean; Message: string }[] = [];
    const logged: { id: string | undefined; ok: boolean; code?: string }[] = [];
    for (const e of entries) {
      const m = apply(e);
      if (m !== undefined) {
        Successful.push({ Id: e.Id });
        logged.push({ id: m.id, ok: true });
      } else {
        const code = 'ReceiptHandleIsInvalid';
        Failed.push({ Id: e.Id, Code: code, SenderFault: true, Message: 'the receipt handle has expired' });
        logged.push({ id: /:(m\d+)$/.exec(e.ReceiptHandle ?? '')?.[1], ok: false, code });
      }
    }
    this.log.push({ op, at: Date.now(), entries: logged });
    return { Successful, Failed };
  }

  private sendBatch(input: SendMessageBatchCommand['input']) {
    const Successful: { Id?: string; MessageId: string }[] = [];
    const now = Date.now();
    for (const e of input.Entries ?? []) {
      const key = e.MessageDeduplicationId ?? '';
      const seen = this.dedupe.get(key);
      if (seen !== undefined && now - seen < 5 * 60_000) {
        Successful.push({ Id: e.Id, MessageId: 'dropped-duplicate' });
        continue;
      }
      this.dedupe.set(key, now);
      Successful.push({
        Id: e.Id,
        MessageId: this.append(e.MessageBody ?? '', e.MessageAttributes, e.MessageGroupId ?? ''),
      });
    }
    this.log.push({ op: 'SendBatch', at: now });
    return { Successful, Failed: [] };
  }
}
