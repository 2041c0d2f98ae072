import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@eventport/core';
import { DEFAULT_MAX_EVENT_SIZE, describeConfig, parseKafkaConfig } from '../src/config.js';

const url = (s: string): URL => new URL(s);
const noEnv = {};

describe('parseKafkaConfig', () => {
  it('reads hosts, client id and defaults from a URL', () => {
    const c = parseKafkaConfig(url('kafka://127.0.0.1:9092'), { clientId: 'billing' }, noEnv);
    expect(c.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.clientId).toBe('billing');
    expect(c.ssl).toBe(false);
    expect(c.sasl).toBeUndefined();
    expect(c.autoCreateTopics).toBe(true);
    expect(c.partitions).toBe(4);
    expect(c.replicationFactor).toBe(-1);
    expect(c.maxEventSize).toBe(DEFAULT_MAX_EVENT_SIZE);
  });

  it('takes the full host list of a multi-host URL (the hosts option) and brokers arrays', () => {
    expect(parseKafkaConfig(url('kafka://a:9092'), { hosts: 'a:9092,b:9093' }, noEnv).brokers).toEqual([
      'a:9092',
      'b:9093',
    ]);
    expect(parseKafkaConfig(undefined, { brokers: ['x:1', 'y:2'] }, noEnv).brokers).toEqual(['x:1', 'y:2']);
    expect(parseKafkaConfig(undefined, { brokers: '[::1]:9092' }, noEnv).brokers).toEqual(['[::1]:9092']);
  });

  it('falls back to KAFKA_BROKERS, and says how to fix a missing host list', () => {
    expect(parseKafkaConfig(url('kafka://'), {}, { KAFKA_BROKERS: 'k1:9092, k2:9092' }).brokers).toEqual([
      'k1:9092',
      'k2:9092',
    ]);
    expect(() => parseKafkaConfig(url('kafka://'), {}, noEnv)).toThrow(/KAFKA_BROKERS/);
    expect(() => parseKafkaConfig(undefined, { brokers: 'nohost' }, noEnv)).toThrow(ConfigError);
    expect(() => parseKafkaConfig(undefined, { brokers: 'h:70000' }, noEnv)).toThrow(/host:port/);
  });

  it('converts query strings and validates numbers and booleans', () => {
    const c = parseKafkaConfig(
      url('kafka://h:1'),
      { partitions: '12', autoCreateTopics: 'false', ssl: 'true', commitIntervalMs: '50' },
      noEnv,
    );
    expect(c).toMatchObject({ partitions: 12, autoCreateTopics: false, ssl: true, commitIntervalMs: 50 });
    expect(() => parseKafkaConfig(url('kafka://h:1'), { partitions: '0' }, noEnv)).toThrow(/partitions/);
    expect(() => parseKafkaConfig(url('kafka://h:1'), { autoCreateTopics: 'maybe' }, noEnv)).toThrow(
      /autoCreateTopics/,
    );
    expect(() =>
      parseKafkaConfig(url('kafka://h:1'), { heartbeatIntervalMs: 10_000, sessionTimeoutMs: 6_000 }, noEnv),
    ).toThrow(/heartbeatIntervalMs/);
  });

  it('rejects unknown options, naming the known ones', () => {
    expect(() => parseKafkaConfig(url('kafka://h:1'), { partitons: 3 }, noEnv)).toThrow(
      /partitons.*known: brokers/,
    );
  });

  it('takes SASL credentials from the userinfo (PLAIN by default) or the sasl option', () => {
    const plain = parseKafkaConfig(url('kafka://alice:s%3Acret@h:9093'), { ssl: 'true' }, noEnv);
    expect(plain.sasl).toEqual({ mechanism: 'plain', username: 'alice', password: 's:cret' });
    const scram = parseKafkaConfig(url('kafka://alice:pw@h:9093'), { sasl: 'SCRAM-SHA-512' }, noEnv);
    expect(scram.sasl?.mechanism).toBe('scram-sha-512');
    const obj = parseKafkaConfig(
      undefined,
      { brokers: 'h:1', sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } },
      noEnv,
    );
    expect(obj.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 'p' });
    expect(() => parseKafkaConfig(url('kafka://h:1'), { sasl: 'plain' }, noEnv)).toThrow(/userinfo/);
    expect(() => parseKafkaConfig(url('kafka://u:p@h:1'), { sasl: 'gssapi' }, noEnv)).toThrow(/mechanism/);
    expect(() =>
      parseKafkaConfig(undefined, { brokers: 'h:1', sasl: { mechanism: 'plain', username: 'u' } }, noEnv),
    ).toThrow(/sasl.password/);
  });

  it('sslCa: a CA as PEM text or a PEM file turns TLS on, trusting that CA; bad values name the option', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(parseKafkaConfig(url('kafka://h:1'), { sslCa: pem }, noEnv).ssl).toEqual({ ca: pem });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventport-kafka-ca-'));
    try {
      const file = path.join(dir, 'ca.pem');
      fs.writeFileSync(file, pem);
      // from a URL query, as a path; merged into TLS options given as an object
      expect(parseKafkaConfig(url('kafka://h:1'), { sslCa: file, ssl: 'true' }, noEnv).ssl).toEqual({
        ca: pem,
      });
      expect(
        parseKafkaConfig(undefined, { brokers: 'h:1', sslCa: file, ssl: { servername: 'k' } }, noEnv).ssl,
      ).toEqual({ servername: 'k', ca: pem });
      expect(() =>
        parseKafkaConfig(url('kafka://h:1'), { sslCa: path.join(dir, 'missing.pem') }, noEnv),
      ).toThrow(/sslCa.*cannot read the CA file.*ENOENT/);
      fs.writeFileSync(path.join(dir, 'empty.pem'), 'not a certificate');
      expect(() =>
        parseKafkaConfig(url('kafka://h:1'), { sslCa: path.join(dir, 'empty.pem') }, noEnv),
      ).toThrow(/sslCa.*no PEM certificate/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => parseKafkaConfig(url('kafka://h:1'), { sslCa: pem, ssl: 'false' }, noEnv)).toThrow(
      /sslCa.*switched off/,
    );
    expect(() =>
      parseKafkaConfig(undefined, { brokers: 'h:1', sslCa: pem, ssl: { ca: pem } }, noEnv),
    ).toThrow(/sslCa.*not both/);
    expect(() => parseKafkaConfig(url('kafka://h:1'), { sslCa: 42 }, noEnv)).toThrow(ConfigError);
    expect(() => parseKafkaConfig(url('kafka://h:1'), { sslCa: '' }, noEnv)).toThrow(/sslCa/);
  });

  it('never puts a secret in an error or the description', () => {
    let message = '';
    try {
      parseKafkaConfig(url('kafka://alice:hunter2@h:1'), { password: 'hunter2' }, noEnv);
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/password/);
    expect(message).not.toContain('hunter2');
    const c = parseKafkaConfig(
      url('kafka://alice:hunter2@h1:9093'),
      { hosts: 'h1:9093,h2:9093', ssl: true, sasl: 'scram-sha-256' },
      noEnv,
    );
    const text = describeConfig(c);
    expect(text).toBe('kafka://h1:9093,h2:9093 (clientId=eventport, tls, sasl=scram-sha-256)');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('alice');
  });
});
