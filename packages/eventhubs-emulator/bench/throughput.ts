/**
 * Throughput of the emulator through the real @azure/event-hubs client: N events of S bytes are
 * sent in full batches (one producer, one concurrent send per partition), then received by one
 * EventHubConsumerClient subscribed to every partition from the earliest event.
 *
 * The emulator runs as its own process (the built CLI, `npx tsc --build packages/eventhubs-emulator`
 * first), so the client's CPU and the emulator's CPU are measured apart (/proc/<pid>/stat).
 *
 *   npx tsx packages/eventhubs-emulator/bench/throughput.ts [events=100000] [bytes=1024] [partitions=4]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
  type EventDataBatch,
} from '@azure/event-hubs';

const [events = 100_000, bytes = 1024, partitions = 4] = process.argv.slice(2).map(Number);
const HUB = 'bench';
const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'dist', 'cli.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

async function main(): Promise<void> {
  if (!fs.existsSync(cli)) throw new Error(`${cli} missing: run npx tsc --build packages/eventhubs-emulator`);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [cli, '--port', String(port), '--hub', `${HUB}:${partitions}`, '--quiet'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('emulator not ready in 15 s')), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const cs = `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;EntityPath=${HUB}`;
  const producer = new EventHubProducerClient(cs);
  const consumer = new EventHubConsumerClient('$Default', cs);
  const body = Buffer.alloc(bytes, 120);
  try {
    await producer.getEventHubProperties(); // connect and authorize outside the timing
    const perPartition = Math.ceil(events / partitions);
    let emuCpu = cpuSeconds(child.pid!);
    let clientCpu = process.cpuUsage();
    let started = performance.now();
    await Promise.all(
      Array.from({ length: partitions }, async (_, p) => {
        const count = Math.min(perPartition, events - p * perPartition);
        let batch: EventDataBatch = await producer.createBatch({ partitionId: String(p) });
        for (let i = 0; i < count; i++) {
          if (!batch.tryAdd({ body })) {
            await producer.sendBatch(batch);
            batch = await producer.createBatch({ partitionId: String(p) });
            batch.tryAdd({ body });
          }
        }
        if (batch.count > 0) await producer.sendBatch(batch);
      }),
    );
    const sendSeconds = (performance.now() - started) / 1000;
    const sendEmuCpu = cpuSeconds(child.pid!) - emuCpu;
    const sendClientCpu = process.cpuUsage(clientCpu);

    emuCpu = cpuSeconds(child.pid!);
    clientCpu = process.cpuUsage();
    started = performance.now();
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`received ${received} of ${events} in 120 s`)),
        120_000,
      );
      const subscription = consumer.subscribe(
        {
          processEvents: async (batch) => {
            received += batch.length;
            if (received >= events) {
              clearTimeout(timer);
              void subscription.close().then(resolve, reject);
            }
          },
          processError: async (err) => reject(err),
        },
        {
          startPosition: earliestEventPosition,
          maxBatchSize: 1000,
          prefetchCount: 3000,
          maxWaitTimeInSeconds: 1,
        },
      );
    });
    const receiveSeconds = (performance.now() - started) / 1000;
    const receiveEmuCpu = cpuSeconds(child.pid!) - emuCpu;
    const receiveClientCpu = process.cpuUsage(clientCpu);

    const cpu = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
    const row = (what: string, seconds: number, emu: number, client: number) =>
      `| ${what} | ${events.toLocaleString('en-US')} × ${bytes} B | ${Math.round(events / seconds).toLocaleString('en-US')} | ${seconds.toFixed(2)} s | ${((emu / events) * 1e6).toFixed(1)} µs | ${((client / events) * 1e6).toFixed(1)} µs |`;
    console.log(`node ${process.version}, ${partitions} partitions, emulator in its own process`);
    console.log('| phase | events | events/s | wall | emulator CPU / event | client CPU / event |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    console.log(row('send (batches)', sendSeconds, sendEmuCpu, cpu(sendClientCpu)));
    console.log(row('receive', receiveSeconds, receiveEmuCpu, cpu(receiveClientCpu)));
  } finally {
    await producer.close();
    await consumer.close();
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
