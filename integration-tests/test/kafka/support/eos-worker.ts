/**
 * A child process of the fault suite: one exactly-once consume-transform-produce worker. For every
 * input event it sends one output event (same key, same data) with ctx.send, inside the
 * transaction that commits the input offset. The suite SIGKILLs it mid-stream.
 *
 * Usage: node --import tsx eos-worker.ts <kafka-url> <input> <output> <group> <handler-delay-ms>
 */
import { connect, silentLogger } from '@eventport/core';
import '@eventport/kafka';

const [url, input, output, group, delay] = process.argv.slice(2);
if (url === undefined || input === undefined || output === undefined || group === undefined) {
  process.stderr.write('usage: eos-worker <kafka-url> <input> <output> <group> [delay-ms]\n');
  process.exit(2);
}
const delayMs = Number(delay ?? '0');
const broker = await connect(url, { tracing: false, logger: silentLogger });
let handled = 0;
await broker
  .consumer(input, { group, from: 'earliest', delivery: 'exactly-once', concurrency: 8 })
  .subscribe(async (event, ctx) => {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    await ctx.send(output, { source: '/eos-worker', type: 'transformed', key: event.key, data: event.data });
    handled++;
  });
process.stdout.write('subscribed\n');
setInterval(() => process.stdout.write(`handled ${handled}\n`), 500).unref();
