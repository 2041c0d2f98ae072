import { ConfigError } from '@eventport/core';
import { parseSqsConfig } from '../src/config';

const env = {} as NodeJS.ProcessEnv;
/** As the registry calls the factory: the URL, and its query merged into the options. */
function parse(url: string | undefined, options: Record<string, unknown> = {}, e: NodeJS.ProcessEnv = env) {
  const u = url === undefined ? undefined : new URL(url);
  const merged: Record<string, unknown> = {};
  if (u !== undefined) for (const [k, v] of u.searchParams) merged[k] = v;
  return parseSqsConfig(u, { ...merged, ...options }, e);
}

describe('sqs:// configuration', () => {
  test('a bare URL binds nothing and defaults to standard queues', () => {
    const c = parse('sqs://');
    expect(c).toMatchObject({
      queue: undefined,
      fifo: false,
      fanOut: false,
      autoCreate: true,
      waitTimeSeconds: 20,
      prefix: '',
    });
  });

  test('the host names the bound queue; .fifo selects FIFO', () => {
    expect(parse('sqs://orders?region=eu-west-1')).toMatchObject({
      queue: 'orders',
      fifo: false,
      region: 'eu-west-1',
    });
    expect(parse('sqs://Orders_1.fifo')).toMatchObject({ queue: 'Orders_1.fifo', fifo: true });
  });

  test('fifo=true with a standard queue name, or fifo=false with a .fifo name, is a ConfigError', () => {
    expect(() => parse('sqs://orders?fifo=true')).toThrow(ConfigError);
    expect(() => parse('sqs://orders.fifo?fifo=false')).toThrow(/is a FIFO queue/);
  });

  test('a queue URL in sqs:// form gives the endpoint (http for loopback) and the queue', () => {
    const c = parse('sqs://127.0.0.1:9324/000000000000/orders');
    expect(c.queueUrl).toBe('http://127.0.0.1:9324/000000000000/orders');
    expect(c.queue).toBe('orders');
    expect(c.endpoint).toBe('http://127.0.0.1:9324');
    expect(c.region).toBe('us-east-1');
    expect(c.credentials).toEqual({ accessKeyId: 'test', secretAccessKey: 'test' });
  });

  test('an AWS queue URL gives the region and keeps the default endpoint', () => {
    const c = parse(undefined, { queueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/jobs.fifo' });
    expect(c).toMatchObject({
      queue: 'jobs.fifo',
      fifo: true,
      region: 'eu-central-1',
      endpoint: undefined,
      credentials: undefined,
    });
    const u = parse('sqs://sqs.eu-central-1.amazonaws.com/123456789012/jobs');
    expect(u.queueUrl).toBe('https://sqs.eu-central-1.amazonaws.com/123456789012/jobs');
  });

  test('AWS_ENDPOINT_URL_SQS wins over AWS_ENDPOINT_URL; options win over both', () => {
    const e = {
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
    } as NodeJS.ProcessEnv;
    expect(parse('sqs://', {}, e).endpoint).toBe('http://127.0.0.1:9324');
    expect(
      parse('sqs://', {}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000/' } as NodeJS.ProcessEnv).endpoint,
    ).toBe('http://127.0.0.1:5000');
    expect(parse('sqs://', { endpoint: 'http://localhost:1234' }, e).endpoint).toBe('http://localhost:1234');
  });

  test('fan-out takes the SNS endpoint from AWS_ENDPOINT_URL_SNS, else the SQS endpoint', () => {
    expect(parse('sqs://?fanOut=true&endpoint=http://127.0.0.1:5000').snsEndpoint).toBe(
      'http://127.0.0.1:5000',
    );
    const e = { AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:4575' } as NodeJS.ProcessEnv;
    expect(parse('sqs://?fanOut=true&endpoint=http://127.0.0.1:5000', {}, e).snsEndpoint).toBe(
      'http://127.0.0.1:4575',
    );
    expect(parse('sqs://?endpoint=http://127.0.0.1:5000').snsEndpoint).toBeUndefined();
  });

  test('credentials from the URL userinfo, the options, or dummy ones for loopback endpoints only', () => {
    expect(parse('sqs://AKID:s%2Fecret@orders').credentials).toEqual({
      accessKeyId: 'AKID',
      secretAccessKey: 's/ecret',
    });
    expect(parse('sqs://', { accessKeyId: 'a', secretAccessKey: 'b' }).credentials).toMatchObject({
      accessKeyId: 'a',
    });
    expect(parse('sqs://?endpoint=https://sqs.example.com').credentials).toBeUndefined();
    expect(
      parse('sqs://?endpoint=http://127.0.0.1:9324', {}, { AWS_ACCESS_KEY_ID: 'x' } as NodeJS.ProcessEnv)
        .credentials,
    ).toBeUndefined();
    expect(() => parse('sqs://', { accessKeyId: 'a' })).toThrow(/go together/);
    expect(() => parse('sqs://', { credentials: 'nope' })).toThrow(ConfigError);
  });

  test('rejects unknown options and bad values with the option named', () => {
    expect(() => parse('sqs://?nope=1')).toThrow(/nope/);
    expect(() => parse('sqs://?waitTimeSeconds=21')).toThrow(/waitTimeSeconds/);
    expect(() => parse('sqs://?fanOut=maybe')).toThrow(/fanOut/);
    expect(() => parse('sqs://?endpoint=ftp://x')).toThrow(/endpoint/);
    expect(() => parse('sqs://?prefix=a.b')).toThrow(/prefix/);
    expect(() => parse(undefined, { queueUrl: 'not a url' })).toThrow(/queueUrl/);
    expect(() => parse(undefined, { queueUrl: 'ftp://x/1/q' })).toThrow(/queueUrl/);
    expect(() => parse('sqs://bad$name')).toThrow(/queue/);
    expect(() => parse(undefined, { queue: 'a', queueUrl: 'http://127.0.0.1:9324/0/b' })).toThrow(/differs/);
    expect(() => parse('sqs://:secret@q')).toThrow(/both/);
  });

  test('numbers and booleans come as strings from a URL or as values from an object', () => {
    const c = parse('sqs://?receiveConcurrency=4&sendConcurrency=2&autoCreateTopics=false&waitTimeSeconds=0');
    expect(c).toMatchObject({
      receiveConcurrency: 4,
      sendConcurrency: 2,
      autoCreate: false,
      waitTimeSeconds: 0,
    });
    expect(parse(undefined, { fanOut: true, fifo: true, receiveConcurrency: 3 })).toMatchObject({
      fanOut: true,
      fifo: true,
      receiveConcurrency: 3,
    });
  });
});
