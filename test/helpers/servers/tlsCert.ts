// One self-signed certificate per test process, for 127.0.0.1 and localhost.
// Clients trust it by passing `caPem` as `ca`; hostname checks pass because
// the subjectAltName names the IP the servers listen on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.js';

export interface TlsCert {
  readonly certPath: string;
  readonly keyPath: string;
  /** Certificate and key in one file (pure-ftpd's format). */
  readonly combinedPath: string;
  readonly certPem: string;
}

async function generate(): Promise<TlsCert> {
  const dir = mkdtempSync(join(tmpdir(), 'ftpgw-tls-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const combinedPath = join(dir, 'combined.pem');
  // RSA rather than EC: vsftpd 3.0.3 names its options rsa_cert_file/rsa_private_key_file.
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '7',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ]);
  const certPem = readFileSync(certPath, 'utf8');
  writeFileSync(combinedPath, certPem + readFileSync(keyPath, 'utf8'), { mode: 0o600 });
  return { certPath, keyPath, combinedPath, certPem };
}

let pending: Promise<TlsCert> | undefined;

export function ensureTlsCert(): Promise<TlsCert> {
  pending ??= generate().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}
