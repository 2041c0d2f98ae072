import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import type { CheckpointStore } from '@azure/event-hubs';
import { ContainerClient } from '@azure/storage-blob';
import { ConfigError, errorFromCode } from '@eventport/core/driver';
import { DEVELOPMENT_STORAGE, type EventHubsConfig } from './config.js';

/**
 * The checkpoint store every consumer of a connection shares: `@azure/eventhubs-checkpointstore-blob`
 * over one blob container (created when missing). It holds both checkpoints
 * (`<namespace>/<hub>/<group>/checkpoint/<partition>`) and partition ownership claims, which is
 * how consumers of one group, in any process, split a hub's partitions. For an emulator without a
 * configured store it is Azurite's development storage (`UseDevelopmentStorage=true`).
 */
export async function openCheckpointStore(config: EventHubsConfig): Promise<CheckpointStore> {
  const storage = config.storageConnectionString();
  if (storage === undefined) {
    throw new ConfigError(
      'storageConnectionString',
      'consumers need a checkpoint store: pass storageConnectionString (Azure Storage, or Azurite locally) or set AZURE_STORAGE_CONNECTION_STRING',
    );
  }
  let container: ContainerClient;
  try {
    container = new ContainerClient(storage, config.checkpointContainer);
  } catch {
    throw new ConfigError('storageConnectionString', 'is not a usable Azure Storage connection string');
  }
  try {
    await container.createIfNotExists();
  } catch (err) {
    const status = (err as { statusCode?: unknown }).statusCode;
    const auth = status === 401 || status === 403;
    throw errorFromCode(
      auth ? 'AUTHENTICATION' : 'BROKER_UNAVAILABLE',
      `eventhubs: opening the checkpoint container "${config.checkpointContainer}" failed${typeof status === 'number' ? ` (HTTP ${status})` : ''}${storage === DEVELOPMENT_STORAGE ? ": no storage was configured, so an emulator's checkpoints go to Azurite's development storage on 127.0.0.1:10000; start Azurite there or set AZURE_STORAGE_CONNECTION_STRING" : ''}`,
      { cause: err, retryable: !auth },
    );
  }
  // the store package pins its own copy of @azure/event-hubs; the interface is the same
  return new BlobCheckpointStore(container) as unknown as CheckpointStore;
}
