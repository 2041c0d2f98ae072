/** Configuration: Microsoft's Config.json shape, the defaults, and the command-line flags. */
import fs from 'node:fs';
import path from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import { DEFAULT_HUBS, parseMicrosoftConfig } from '../src/index.js';
import { parseArgs } from '../src/cli-args.js';
import { NO_RETRY, startEmulator } from './support.js';

const repoConfig = path.join(__dirname, '../../../integration-tests/eventhubs-emulator/Config.json');

test("the default hubs are the repository's Config.json (kept in sync)", () => {
  expect(parseMicrosoftConfig(fs.readFileSync(repoConfig, 'utf8'))).toEqual(DEFAULT_HUBS);
});

test('bad Config.json content is refused with the field named', () => {
  expect(() => parseMicrosoftConfig('{}')).toThrow(/NamespaceConfig/);
  expect(() =>
    parseMicrosoftConfig(
      JSON.stringify({
        UserConfig: { NamespaceConfig: [{ Entities: [{ Name: 'x', PartitionCount: '0' }] }] },
      }),
    ),
  ).toThrow(/PartitionCount/);
});

test('flags: hubs, key, creation on first use, data dir', () => {
  const { options } = parseArgs([
    '--port',
    '0',
    '--hub',
    'a:3:g1,g2',
    '--hub',
    'b',
    '--key',
    'K',
    '--no-auto-create',
  ]);
  expect(options).toMatchObject({
    port: 0,
    autoCreate: false,
    hubs: [
      { name: 'a', partitionCount: 3, consumerGroups: ['g1', 'g2'] },
      { name: 'b', partitionCount: 4, consumerGroups: [] },
    ],
    keys: [{ name: 'RootManageSharedAccessKey', key: 'K' }],
  });
  expect(parseArgs(['--config', repoConfig]).options.hubs).toEqual(DEFAULT_HUBS);
  expect(() => parseArgs(['--port', 'x'])).toThrow(/--port/);
  expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
});

test('a hub unknown to the configuration is created on first use by default', async () => {
  const emulator = await startEmulator({ defaultPartitionCount: 3 });
  const producer = new EventHubProducerClient(emulator.connectionString('made-up'), {
    retryOptions: NO_RETRY,
  });
  try {
    expect((await producer.getEventHubProperties()).partitionIds).toEqual(['0', '1', '2']);
    await producer.sendBatch([{ body: 'x' }]);
  } finally {
    await producer.close();
    await emulator.close();
  }
});
