#!/usr/bin/env node
/**
 * `eventgrid-emulator [--port 6500] [--host 127.0.0.1] [--key K] [--config file.json]
 *  [--no-auto-create] [--dead-letter-dir DIR] [--retry-schedule service|ms,ms,…] [--time-scale X]
 *  [--https [--tls-dir DIR] | --tls-cert FILE --tls-key FILE]`
 *
 * Starts the emulator in the foreground, prints the endpoints and the key, stops on SIGINT/SIGTERM.
 * Flags override the config file. Exit code 2 on bad arguments, 1 when it cannot start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile, SERVICE_RETRY_SCHEDULE_MS, type EmulatorOptions } from './config.js';
import { startEmulator } from './emulator.js';
import { ensureCertificate } from './tls.js';

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: eventgrid-emulator [--port 6500] [--host 127.0.0.1] [--key K] [--config file.json] [--no-auto-create] [--dead-letter-dir DIR] [--retry-schedule service|ms,ms,...] [--time-scale X] [--https [--tls-dir DIR] | --tls-cert FILE --tls-key FILE]\n`,
  );
  process.exit(2);
}

function number(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) usage(`--${flag} must be a non-negative number, got '${raw}'`);
  return value;
}

function schedule(raw: string | undefined): readonly number[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'service') return SERVICE_RETRY_SCHEDULE_MS;
  const list = raw.split(',').map((part) => Number(part.trim()));
  if (list.length === 0 || list.some((ms) => !Number.isFinite(ms) || ms < 0))
    usage(`--retry-schedule: '${raw}' is not a list of ms`);
  return list;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        key: { type: 'string' },
        config: { type: 'string' },
        'no-auto-create': { type: 'boolean' },
        'dead-letter-dir': { type: 'string' },
        'retry-schedule': { type: 'string' },
        'time-scale': { type: 'string' },
        https: { type: 'boolean' },
        'tls-dir': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (values.help) usage('Azure Event Grid emulator (basic topics with push, namespace topics with pull).');
  const file: EmulatorOptions = values.config ? loadConfigFile(values.config) : {};
  const pick = <T>(flag: T | undefined, fromFile: T | undefined) => (flag !== undefined ? flag : fromFile);
  let options: EmulatorOptions = {
    ...file,
    port: pick(number('port', values.port), file.port),
    host: pick(values.host, file.host),
    key: pick(values.key, file.key),
    autoCreate: values['no-auto-create'] ? false : file.autoCreate,
    deadLetterDir: pick(values['dead-letter-dir'], file.deadLetterDir),
    retrySchedule: pick(schedule(values['retry-schedule']), file.retrySchedule),
    timeScale: pick(number('time-scale', values['time-scale']), file.timeScale),
    log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  };
  let certFile: string | undefined;
  if (values['tls-cert'] || values['tls-key']) {
    if (!values['tls-cert'] || !values['tls-key']) usage('--tls-cert and --tls-key go together');
    certFile = values['tls-cert'];
    options = {
      ...options,
      tls: { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(values['tls-key'], 'utf8') },
    };
  } else if (values.https) {
    const certificate = ensureCertificate(
      values['tls-dir'] ?? path.join(os.tmpdir(), 'eventgrid-emulator-tls'),
    );
    certFile = certificate.certFile;
    options = { ...options, tls: certificate };
  }
  const emulator = await startEmulator(options);
  process.stdout.write(
    [
      `Event Grid emulator listening on ${emulator.url}`,
      `  namespace endpoint (EventGridSenderClient/EventGridReceiverClient): ${emulator.url}`,
      `  basic topic endpoint (EventGridPublisherClient): ${emulator.url}/api/events  (named topics: ${emulator.url}/topics/<topic>/api/events)`,
      `  access key: ${emulator.key}`,
      `  auto-create topics and subscriptions: ${emulator.options.autoCreate ? 'on' : 'off'}`,
      `  admin API: ${emulator.url}/admin`,
      ...(certFile
        ? [
            `  TLS certificate: ${certFile} (trust it: NODE_EXTRA_CA_CERTS=${certFile}, or tlsOptions: { ca })`,
          ]
        : []),
      '',
    ].join('\n'),
  );
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`eventgrid-emulator: ${(error as Error).message}\n`);
  process.exit(1);
});
