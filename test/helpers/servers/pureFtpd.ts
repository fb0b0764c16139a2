// pure-ftpd 1.0.50 (Debian bookworm, unpacked into .ftp-servers/).
//
// Quirks:
// - the 220 greeting and 226/221 replies are multi-line;
// - --natmode makes it active-only: PASV and EPSV answer "500 Unknown command";
//   it has no switch to refuse PORT/EPRT, so passive-only is unsupported;
// - no implicit TLS (--tls 1 = AUTH TLS offered, --tls 3 = TLS required);
// - it allows only half as many concurrent clients as passive ports
//   ("You are user number 1 of 32 allowed" with 64 ports);
// - --maxidletime counts minutes;
// - TYPE A always converts: on download every LF becomes CRLF (a stored CRLF
//   arrives as CR CR LF), on upload every CR is dropped (lone ones too);
// - explicit-required answers a plaintext USER with "421-Sorry, cleartext
//   sessions and weak ciphers are not accepted on this server." (multi-line);
// - maxClients: "421 1 users (the maximum) are already logged in, sorry" at connect;
// - no command log: it only logs to syslog.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, unpackedServers } from './binaries.js';
import { rootAvailability, type FtpServerDriver, type ServerContext } from './driver.js';
import { run } from './processes.js';
import { SpawnedServer } from './spawnedServer.js';
import type { FtpServerAvailability, ResolvedFtpServerOptions } from './types.js';

const daemon = (): string | undefined => findExecutable([join(unpackedServers, 'pure-ftpd/usr/sbin/pure-ftpd'), '/usr/sbin/pure-ftpd']);
const purePw = (): string | undefined => findExecutable([join(unpackedServers, 'pure-ftpd/usr/bin/pure-pw'), '/usr/bin/pure-pw']);

export const pureFtpdDriver: FtpServerDriver = {
  kind: 'pure-ftpd',
  usesSystemUser: true,
  availability(): FtpServerAvailability {
    if (!daemon() || !purePw()) {
      return { available: false, reason: 'pure-ftpd not found in .ftp-servers/ (run .ci/install-ftp-servers.sh)' };
    }
    return rootAvailability();
  },
  unsupported(options: ResolvedFtpServerOptions): string | undefined {
    if (options.dataModes === 'passive-only') return 'pure-ftpd cannot refuse PORT/EPRT';
    if (options.tls === 'implicit') return 'pure-ftpd has no implicit TLS';
    if (!options.chroot) return 'the pure-ftpd launcher always chroots (--chrooteveryone)';
    return undefined;
  },
  features(options: ResolvedFtpServerOptions) {
    return {
      mlsd: true,
      asciiConversion: true,
      tls: options.tls !== 'none',
      active: true,
      passive: options.dataModes !== 'active-only',
    };
  },
  async prepare(context: ServerContext) {
    const file = daemon();
    const pw = purePw();
    if (!file || !pw) throw new Error('pure-ftpd not found');
    const { options, ports, user, conf, root, cert } = context;
    // A puredb line written by hand with a SHA-512 crypt hash: `pure-pw useradd`
    // would hash with argon2id, costing about 3.6 s per login. "/./" marks the chroot.
    const passwdFile = join(conf, 'pureftpd.passwd');
    const dbFile = join(conf, 'pureftpd.pdb');
    writeFileSync(passwdFile, `${user.name}:${user.passwordHash}:${user.uid}:${user.gid}::${root}/./::::::::::::\n`, { mode: 0o600 });
    await run(pw, ['mkdb', dbFile, '-f', passwdFile]);
    // Half as many clients as passive ports are allowed, whatever --maxclientsnumber says.
    const clients = options.maxClients ?? Math.max(1, Math.floor(options.passivePorts / 2));
    const args = [
      '--bind',
      `127.0.0.1,${ports.port}`,
      '--ipv4only',
      '--login',
      `puredb:${dbFile}`,
      '--noanonymous',
      '--chrooteveryone',
      '--passiveportrange',
      `${ports.passiveMin}:${ports.passiveMax}`,
      '--dontresolve',
      '--maxclientsperip',
      String(clients),
      '--maxclientsnumber',
      String(clients),
      '--umask',
      '133:022',
    ];
    if (options.idleTimeoutSec !== undefined) args.push('--maxidletime', String(Math.max(1, Math.ceil(options.idleTimeoutSec / 60))));
    if (options.dataModes === 'active-only') args.push('--natmode');
    if (options.tls !== 'none' && cert) {
      args.push('--tls', options.tls === 'explicit' ? '1' : '3', '--certfile', cert.combinedPath);
    }
    return new SpawnedServer({ label: 'pure-ftpd', binary: file, args, port: ports.port, cwd: conf });
  },
};
