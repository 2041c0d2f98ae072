/**
 * Raw @azure/storage-blob against Azurite: create a container, upload a blob, download it.
 *
 * @brokers azurite
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(60_000);

test('@azure/storage-blob uploads and downloads one blob', async () => {
  const service = BlobServiceClient.fromConnectionString(
    requireEnv('EVENTPORT_AZURE_STORAGE_CONNECTION_STRING'),
  );
  const container = service.getContainerClient(uniqueName('smoke'));
  await container.create();
  try {
    const blob = container.getBlockBlobClient('checkpoints/0');
    const body = 'hello azurite';
    await blob.upload(body, Buffer.byteLength(body), { metadata: { sequencenumber: '42' } });

    const downloaded = await blob.downloadToBuffer();
    expect(downloaded.toString('utf8')).toBe(body);
    const properties = await blob.getProperties();
    expect(properties.metadata?.sequencenumber).toBe('42');

    const names: string[] = [];
    for await (const item of container.listBlobsFlat()) names.push(item.name);
    expect(names).toEqual(['checkpoints/0']);
  } finally {
    await container.delete();
  }
});
