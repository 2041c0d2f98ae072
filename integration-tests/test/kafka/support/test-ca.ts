/**
 * A throwaway certificate authority for TLS tests, made with openssl at test time (nothing is
 * downloaded): a self-signed CA, a server certificate for 127.0.0.1 / localhost signed by it, and
 * the server's key and chain as a PKCS#12 keystore (what a Java broker reads).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runChecked } from '../../../src/brokers/run.js';

export interface TestCa {
  /** The CA certificate (PEM file): what a client must trust. */
  readonly caFile: string;
  /** The CA certificate, PEM text. */
  readonly caPem: string;
  /** The server's PKCS#12 keystore (private key, certificate, CA) and its password. */
  readonly keystoreFile: string;
  readonly keystorePassword: string;
}

const openssl = (args: string[], cwd: string): Promise<string> =>
  runChecked('openssl', args, { timeoutMs: 30_000, cwd });

/** Creates the CA and the server's keystore in `dir` (which must exist). */
export async function createTestCa(dir: string): Promise<TestCa> {
  const days = '2';
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      days,
      '-subj',
      '/CN=EventPort test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=localhost',
    ],
    dir,
  );
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      days,
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  const keystorePassword = randomBytes(12).toString('hex');
  await openssl(
    [
      'pkcs12',
      '-export',
      '-inkey',
      'server.key',
      '-in',
      'server.pem',
      '-certfile',
      'ca.pem',
      '-name',
      'kafka',
      '-out',
      'server.p12',
      '-passout',
      `pass:${keystorePassword}`,
    ],
    dir,
  );
  const caFile = path.join(dir, 'ca.pem');
  return {
    caFile,
    caPem: fs.readFileSync(caFile, 'utf8'),
    keystoreFile: path.join(dir, 'server.p12'),
    keystorePassword,
  };
}
