import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { parseSqsConfig } from '../src/config';
import { SqsDriver } from '../src/driver';

/**
 * Long polls must never starve the other requests of a connection (defect 4 of
 * issue 16): a stub SQS endpoint holds every ReceiveMessage open (an idle long
 * poll) and answers administration at once; 50 consumers of one group with 8
 * polls each (400 polls) are open on one connection while a sender is opened.
 */
describe('SQS connection pools', () => {
  let server: Server;
  let url: string;
  const held: ServerResponse[] = [];
  let polls = 0;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
        const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { QueueName?: string };
        res.setHeader('content-type', 'application/x-amz-json-1.0');
        if (target === 'ReceiveMessage') {
          polls++;
          held.push(res); // a long poll that has nothing to return yet
          return;
        }
        const answers: Record<string, unknown> = {
          GetQueueUrl: { QueueUrl: `${url}/000000000000/${input.QueueName ?? 'q'}` },
          CreateQueue: { QueueUrl: `${url}/000000000000/${input.QueueName ?? 'q'}` },
          GetQueueAttributes: { Attributes: {} },
        };
        res.end(JSON.stringify(answers[target] ?? {}));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const res of held) res.end('{}');
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('50 consumers of one group polling on one connection: administration is answered at once', async () => {
    const driver = new SqsDriver(
      parseSqsConfig(undefined, {
        endpoint: url,
        region: 'us-east-1',
        waitTimeSeconds: 20,
        receiveConcurrency: 8,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    );
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    try {
      const receiving: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) {
        const r = await driver.openReceiver('jobs', {
          group: 'workers',
          from: 'latest',
          leaseMs: 30_000,
          orderedByKey: false,
        });
        receiving.push(r.receive(80, stop.signal)); // 8 long polls each
      }
      for (let i = 0; i < 100 && polls < 400; i++) await new Promise((r) => setTimeout(r, 20));
      expect(polls).toBe(400);
      const started = Date.now();
      const opened = driver.openSender('other', {});
      const bounded = new Promise((_, reject) =>
        setTimeout(() => reject(new Error('starved')), 3_000).unref(),
      );
      await Promise.race([opened, bounded]);
      expect(Date.now() - started).toBeLessThan(3_000);
      stop.abort();
      await Promise.all(receiving);
    } finally {
      stop.abort();
      await driver.close();
    }
  }, 20_000);
});
