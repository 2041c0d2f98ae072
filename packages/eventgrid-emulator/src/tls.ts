/**
 * A self-signed certificate for HTTPS, made once with the `openssl` command and reused: valid for
 * 127.0.0.1 and localhost, 825 days. Clients trust it through its PEM (the Azure clients'
 * `tlsOptions: { ca }`, or NODE_EXTRA_CA_CERTS=<certFile> for any Node process).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Certificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM */
  readonly cert: string;
  /** PEM */
  readonly key: string;
}

/** Returns the certificate in `dir`, generating it first when missing. Throws when openssl is not installed. */
export function ensureCertificate(dir: string): Certificate {
  const certFile = path.join(dir, 'eventgrid-emulator.crt');
  const keyFile = path.join(dir, 'eventgrid-emulator.key');
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
    fs.mkdirSync(dir, { recursive: true });
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-sha256',
          '-days',
          '825',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: 'pipe', timeout: 30_000 },
      );
    } catch (error) {
      throw new Error(
        `cannot generate a certificate with openssl (is it installed?): ${(error as Error).message}`,
      );
    }
    fs.chmodSync(keyFile, 0o600);
  }
  return {
    certFile,
    keyFile,
    cert: fs.readFileSync(certFile, 'utf8'),
    key: fs.readFileSync(keyFile, 'utf8'),
  };
}
