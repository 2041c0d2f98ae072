/**
 * A child process of the Event Hubs fault suite: one at-least-once EventPort consumer that prints
 * `handled <id>` for every event it handled. The suite SIGKILLs it mid-stream.
 *
 * Usage: node --import tsx worker.ts <options-json> <hub> <group> <handler-delay-ms>
 */
import { connect, silentLogger } from '@eventport/core';
import '@eventport/eventhubs';

const [json, hub, group, delay] = process.argv.slice(2);
if (json === undefined || hub === undefined || group === undefined) {
  process.stderr.write('usage: worker <options-json> <hub> <group> [delay-ms]\n');
  process.exit(2);
}
const delayMs = Number(delay ?? '0');
const options = JSON.parse(json) as Record<string, unknown>;
const broker = await connect({ kind: 'eventhubs', ...options }, { tracing: false, logger: silentLogger });
await broker.consumer(hub, { group, from: 'earliest', concurrency: 8 }).subscribe(async (event) => {
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  process.stdout.write(`handled ${event.id}\n`);
});
process.stdout.write('subscribed\n');
