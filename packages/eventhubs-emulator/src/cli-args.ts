/**
 * Command-line flags of the `eventhubs-emulator` bin, parsed into {@link EmulatorOptions}.
 */
import { readMicrosoftConfig, type EmulatorOptions, type HubConfig } from './config.js';

export const USAGE = `Usage: eventhubs-emulator [options]

An Azure Event Hubs emulator (AMQP 1.0, plain TCP) for the @azure/event-hubs client.

  --host <ip>               interface to bind (default 127.0.0.1)
  --port <n>                AMQP port (default 5672; 0 = any free port)
  --config <file>           hubs from a Config.json in the shape of Microsoft's emulator
  --hub <name[:partitions[:cg1,cg2]]>
                            a hub (repeatable); replaces the default hubs
  --partitions <n>          partitions of hubs created on first use (default 4)
  --no-auto-create          unknown hubs / consumer groups are MessagingEntityNotFound
  --key-name <name>         SAS key name (default RootManageSharedAccessKey)
  --key <value>             SAS key (default SAS_KEY_VALUE)
  --data-dir <dir>          keep events in <dir> across restarts (default: memory only)
  --retention-hours <h>     drop events older than this (default 24; 0 = never)
  --retention-bytes <n>     per partition, drop the oldest events above this size (default 0 = no limit)
  --max-message-size <n>    largest transfer in bytes (default 1048576)
  --quiet                   no log lines (the ready line is still printed)
  --help                    this text
`;

function int(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min)
    throw new Error(`${flag} needs an integer >= ${min}`);
  return n;
}

function hubFlag(value: string | undefined): HubConfig {
  if (!value) throw new Error('--hub needs a value, e.g. orders:4:billing,audit');
  const [name, partitions, groups] = value.split(':');
  return {
    name: name!,
    partitionCount: partitions ? int('--hub partitions', partitions, 1) : 4,
    consumerGroups: groups ? groups.split(',').filter(Boolean) : [],
  };
}

/** Parses argv (without node and the script); throws an Error naming the bad flag. */
export function parseArgs(argv: readonly string[]): {
  options: EmulatorOptions;
  help: boolean;
  quiet: boolean;
} {
  const options: { -readonly [K in keyof EmulatorOptions]: EmulatorOptions[K] } = {};
  const hubs: HubConfig[] = [];
  let keyName: string | undefined;
  let key: string | undefined;
  let help = false;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const next = () => argv[++i];
    switch (flag) {
      case '--host':
        options.host = next();
        break;
      case '--port':
        options.port = int(flag, next(), 0);
        break;
      case '--config':
        hubs.push(...readMicrosoftConfig(String(next())));
        break;
      case '--hub':
        hubs.push(hubFlag(next()));
        break;
      case '--partitions':
        options.defaultPartitionCount = int(flag, next(), 1);
        break;
      case '--no-auto-create':
        options.autoCreate = false;
        break;
      case '--key-name':
        keyName = next();
        break;
      case '--key':
        key = next();
        break;
      case '--data-dir':
        options.dataDir = next();
        break;
      case '--retention-hours':
        options.retentionMs = Number(next()) * 3600_000;
        if (!Number.isFinite(options.retentionMs) || options.retentionMs < 0)
          throw new Error('--retention-hours needs a number >= 0');
        break;
      case '--retention-bytes':
        options.retentionBytesPerPartition = int(flag, next(), 0);
        break;
      case '--max-message-size':
        options.maxMessageSize = int(flag, next(), 1024);
        break;
      case '--quiet':
        quiet = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown option ${flag} (see --help)`);
    }
  }
  if (hubs.length > 0) options.hubs = hubs;
  if (keyName !== undefined || key !== undefined)
    options.keys = [{ name: keyName ?? 'RootManageSharedAccessKey', key: key ?? 'SAS_KEY_VALUE' }];
  return { options, help, quiet };
}
