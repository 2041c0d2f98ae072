/**
 * The logger given to `connect` reaches the driver (SPI context), and the Kafka adapter sends
 * kafkajs's own log lines there instead of the console.
 */
import { connect } from '../../src/api/connect.js';
import type { Driver, DriverFactory } from '../../src/driver/types.js';
import type { Logger } from '../../src/logging/logger.js';
import { registerDriver } from '../../src/registry/registry.js';
import '@eventport/kafka';
import '@eventport/memory';
import { RecordingLogger } from '../helpers/fakes.js';

describe('the logger reaches the drivers', () => {
  it('a factory gets the logger given to connect in its context', async () => {
    let seen: Logger | undefined;
    const memory = await connect('memory://', { logger: new RecordingLogger() });
    const factory: DriverFactory = {
      scheme: 'logtest',
      packageName: 'logtest',
      create: (_url, _options, context) => {
        seen = context?.logger;
        return memory.raw<Driver>();
      },
    };
    registerDriver(factory);
    const logger = new RecordingLogger();
    await connect('logtest://x', { logger });
    // the user's logger, behind the redacting wrapper: what the driver logs arrives there
    seen?.warn('from the driver', { n: 1 });
    expect(logger.entries).toEqual([{ level: 'warn', message: 'from the driver', fields: { n: 1 } }]);
    await memory.close();
  });

  it('kafka: kafkajs log lines go to the user logger, not stderr', async () => {
    const logger = new RecordingLogger();
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const broker = await connect('kafka://127.0.0.1:1?connectionTimeoutMs=200', { logger, tracing: false });
      const send = broker.producer('t', { retry: { attempts: 1 } }).send({ type: 't', source: '/s' });
      await expect(send).rejects.toBeDefined();
      await broker.close();
    } finally {
      process.stderr.write = original;
    }
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(written.filter((w) => w.includes('kafkajs') || w.includes('[eventport]'))).toEqual([]);
  }, 30_000);
});
