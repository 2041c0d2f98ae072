import { installedAdapters } from '@eventport/core';
// Bad input (unknown scheme, unreachable broker, bad flags) gives one clear line on
// stderr and a non-zero exit; a stack trace only with --verbose.
import { BrokerUnavailableError } from '@eventport/core';
import { registerDriver } from '@eventport/core/driver';
import { main } from '../src/main';
import { lines, onlyMemory, testIo } from './helpers';

beforeAll(() => {
  // a broker that cannot be reached: connecting fails the way a real adapter's does
  registerDriver({
    scheme: 'unreachable',
    packageName: '@eventport/test-unreachable',
    create: (url) => {
      throw new BrokerUnavailableError(
        `cannot connect to ${url?.host ?? '?'}: connect ECONNREFUSED 127.0.0.1:9`,
      );
    },
  });
});

async function run(...argv: string[]) {
  const io = testIo();
  const code = await main(argv, io, { discover: onlyMemory });
  return { code, out: io.out(), err: io.err() };
}

/** Exactly one line on stderr, starting with "eventport: ", no stack frames. */
function oneLine(err: string): string {
  const l = lines(err);
  expect(l).toHaveLength(1);
  expect(l[0]).toMatch(/^eventport: /);
  expect(err).not.toMatch(/\n\s+at /);
  return l[0]!;
}

describe.each([
  ['no command', [], /missing command/],
  ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
  ['an option before the command', ['--json'], /unknown command "--json" \(options go after the command/],
  [
    'an unknown option',
    ['produce', 'memory://', 't', '--bogus'],
    /unknown option --bogus for "eventport produce"/,
  ],
  ['an option without its value', ['produce', 'memory://', 't', '--data'], /--data needs a value/],
  ['a value for a flag', ['capabilities', '--json=yes'], /--json does not take a value/],
  ['missing arguments', ['produce', 'memory://'], /missing <topic>/],
  ['an extra argument', ['doctor', 'memory://', 'extra'], /unexpected argument "extra"/],
  ['a malformed URL', ['produce', 'not a url', 't'], /"not a url" is not a broker URL/],
  ['invalid JSON data', ['produce', 'memory://', 't', '--data', '{oops'], /--data is not valid JSON/],
  [
    'both --data and --file',
    ['produce', 'memory://', 't', '--data', '1', '--file', 'x.json'],
    /--data or --file, not both/,
  ],
  [
    'an unreadable file',
    ['produce', 'memory://', 't', '--file', 'nope.bin'],
    /--file nope.bin: cannot read it \(ENOENT\)/,
  ],
  ['a bad --from', ['consume', 'memory://', 't', '--from', 'yesterday'], /--from must be earliest or latest/],
  [
    'a bad --count',
    ['consume', 'memory://', 't', '--count', '0'],
    /--count must be a whole number >= 1, got "0"/,
  ],
  [
    'a dash value',
    ['consume', 'memory://', 't', '--count', '-3'],
    /--count needs a value; for one starting with "-" write --count=-…/,
  ],
  ['conformance without a URL', ['conformance'], /missing <url>/],
  ['conformance of a non-URL', ['conformance', 'fan-out'], /"fan-out" is not a broker URL/],
  [
    'an unknown check or guarantee',
    ['conformance', 'memory://', '--only', 'fanout'],
    /--only: "fanout" is neither a check nor a guarantee/,
  ],
  [
    'an unknown report format',
    ['conformance', 'memory://', '--report', 'out.txt'],
    /--report out.txt: use a .html, .md or .json/,
  ],
  [
    'an unknown adapter',
    ['capabilities', '--broker', 'nope'],
    /no installed adapter named "nope" \(installed: memory[,)]/,
  ],
  ['an adapter that is not installed', ['capabilities', '--broker', 'kafka'], /install @eventport\/kafka/],
  ['report without files', ['report'], /missing <report.json>/],
  ['an invalid topic name', ['produce', 'memory://', 'bad topic!'], /topic: "bad topic!" may only contain/],
  [
    'an invalid extension name',
    ['produce', 'memory://', 'orders', '--ext', 'Bad-Name=1'],
    /extensions\.Bad-Name/,
  ],
  ['an empty type', ['produce', 'memory://', 'orders', '--type', ''], /type: must not be empty/],
  ['report of a missing file', ['report', 'missing.json'], /missing.json: cannot read it \(ENOENT\)/],
])('%s', (_name, argv, message) => {
  it('exits 2 with one line on stderr', async () => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toMatch(message);
  });
});

describe('broker errors exit 1 with one line', () => {
  it('an unknown scheme names the package to install', async () => {
    const r = await run('produce', 'kafkaa://127.0.0.1:9092', 'orders', '--data', '1');
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toMatch(
      /no adapter for "kafkaa:\/\/" is installed \(installed: .*memory:\/\/.*\); install @eventport\/kafkaa/,
    );
  });

  it('an unreachable broker (produce, consume, conformance)', async () => {
    for (const argv of [
      ['produce', 'unreachable://broker.example:9092', 'orders', '--data', '{"a":1}'],
      ['consume', 'unreachable://broker.example:9092', 'orders', '--count', '1'],
      ['conformance', 'unreachable://broker.example:9092'],
    ]) {
      const r = await run(...argv);
      expect(r.code).toBe(1);
      expect(oneLine(r.err)).toBe(
        'eventport: cannot connect to broker.example:9092: connect ECONNREFUSED 127.0.0.1:9',
      );
    }
  });

  it('doctor says what to fix for an unreachable broker', async () => {
    const r = await run('doctor', 'unreachable://broker.example:9092');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✓ url/);
    expect(r.out).toMatch(/✗ connect\s+BROKER_UNAVAILABLE: cannot connect/);
    expect(r.out).toMatch(/fix: is the broker running and reachable/);
    expect(r.err).toBe('');
  });

  it('doctor names the package for a scheme without an adapter', async () => {
    const r = await run('doctor', 'nats://127.0.0.1:4222/orders');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ adapter\s+no adapter for nats:\/\/ is installed/);
    expect(r.out).toMatch(/fix: npm install @eventport\/nats/);
  });

  it('a configuration error from the adapter', async () => {
    const r = await run('produce', 'memory://x?partitions=0', 'orders');
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toMatch(
      /invalid configuration: partitions: must be an integer between 1 and 1024/,
    );
  });

  it('secrets in a URL never reach the output', async () => {
    const r = await run('produce', 'nosuch://user:hunter2@host:1/?password=s3cret&token=abc', 'orders');
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/hunter2|s3cret|abc/);
  });

  it('--verbose adds the stack trace', async () => {
    const r = await run('produce', 'unreachable://broker.example:9092', 'orders', '--verbose');
    expect(r.code).toBe(1);
    expect(lines(r.err).length).toBeGreaterThan(1);
    expect(r.err).toMatch(/^eventport: cannot connect/);
    expect(r.err).toMatch(/\n\s+at /);
  });
});

describe('help', () => {
  it('lists only URLs of adapters that are installed', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/memory:\/\//);
    expect(r.out).toMatch(/kafka:\/\//);
    const installed = installedAdapters().map((a) => a.scheme);
    for (const scheme of ['pubsub', 'eventhubs', 'eventgrid']) {
      expect([scheme, r.out.includes(`${scheme}://`)]).toEqual([scheme, installed.includes(scheme)]);
    }
  });

  it('names no adapter that is not installed', async () => {
    const { helpText } = await import('../src/main');
    const text = helpText([
      { scheme: 'memory', packageName: '@eventport/memory', title: 'x', example: 'memory://[name]' },
    ]);
    expect(text).toMatch(/URLs: memory:\/\/\[name\]\n/);
    expect(text).not.toMatch(/kafka:|sqs:|pubsub:|eventhubs:|eventgrid:/);
  });
});
