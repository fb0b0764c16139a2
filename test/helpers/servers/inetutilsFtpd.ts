// GNU inetutils ftpd 2.4 (Debian bookworm, unpacked into .ftp-servers/): a
// BSD-derived server and the one non-chrooted account of the suite.
//
// It is an inetd server: socat accepts on the control port and, per
// connection, execs the ftpd with the TCP socket as its stdin/stdout
// (`nofork`: the ftpd needs a real socket to learn its own address for
// PASV/EPSV and the peer's for EPRT/PORT). Logins go through crypt() against
// /etc/shadow, as the test account. Both run in a mount namespace of their own
// (unshare -m) where /etc/passwd is a copy in which the account's home is the
// served folder, so that folder is the login directory (PWD after login) and
// the account is not chrooted: FTP paths are host paths (`ftpRoot`). The copy
// also gives the account /bin/sh, because a BSD ftpd refuses a user whose
// shell is not in /etc/shells; nothing ever runs that shell, and the host's
// own files are not touched.
//
// Quirks (also in the report for issue 12):
// - REST is forgotten on any command other than RETR/STOR/APPE, EPSV and
//   PASV included: "REST 100, EPSV, RETR" sends the file from byte 0;
// - FEAT lists MDTM, SIZE, REST STREAM, EPRT, EPSV, LPRT, LPSV: no MLSD/MLST,
//   no UTF8 (OPTS answers "501 No options are available.");
// - SIZE and MDTM of a folder: "550 …: not a plain file.";
// - LIST is `/bin/ls -lgA` (numeric fields, owner and group names), NLST
//   answers with the path as given (an absolute NLST argument → absolute names);
// - TYPE A converts on download: LF → CRLF, and a stored CRLF becomes CR CR LF;
// - EPRT naming another host: "500 Illegal EPRT Command";
// - the 230 after login is multi-line (it carries /etc/motd);
// - passive ports come from the kernel's ephemeral range (no range option);
// - no TLS, no way to refuse a data method, no client limit, no command log
//   (it logs to syslog only).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { findExecutable, unpackedServers } from './binaries.js';
import { rootAvailability, type FtpServerDriver, type ServerContext } from './driver.js';
import { SpawnedServer } from './spawnedServer.js';
import type { FtpServerAvailability, ResolvedFtpServerOptions } from './types.js';

const daemon = (): string | undefined =>
  findExecutable([join(unpackedServers, 'inetutils-ftpd/usr/sbin/ftpd'), '/usr/sbin/inetutils-ftpd']);
const socat = (): string | undefined => findExecutable(['/usr/bin/socat', '/usr/local/bin/socat']);
const unshare = (): string | undefined => findExecutable(['/usr/bin/unshare', '/bin/unshare']);

let namespaces: FtpServerAvailability | undefined;

/** Whether this machine lets us make a mount namespace (a container may forbid it). */
function mountNamespaces(file: string): FtpServerAvailability {
  namespaces ??= (() => {
    const probe = spawnSync(file, ['--mount', '--propagation', 'private', '--', 'true'], { timeout: 10_000 });
    return probe.status === 0
      ? { available: true }
      : { available: false, reason: `unshare --mount fails here: ${probe.stderr.toString().trim() || `status ${probe.status}`}` };
  })();
  return namespaces;
}

/** /etc/passwd with the test account's home at the served folder and a shell listed in /etc/shells. */
function passwdCopy(context: ServerContext): string {
  const lines = readFileSync('/etc/passwd', 'utf8').split('\n');
  const index = lines.findIndex((line) => line.split(':')[0] === context.user.name);
  if (index < 0) throw new Error(`${context.user.name} is not in /etc/passwd`);
  const fields = (lines[index] as string).split(':');
  fields[5] = context.root;
  fields[6] = '/bin/sh';
  lines[index] = fields.join(':');
  return lines.join('\n');
}

// socat splits its EXEC address at spaces, commas, colons and quotes.
const SOCAT_SAFE = /^[A-Za-z0-9/._+-]+$/;

export const inetutilsFtpdDriver: FtpServerDriver = {
  kind: 'inetutils-ftpd',
  usesSystemUser: true,
  chrooted: false,
  availability(): FtpServerAvailability {
    const file = daemon();
    if (!file) return { available: false, reason: 'inetutils ftpd not found in .ftp-servers/ (run .ci/install-ftp-servers.sh)' };
    if (!SOCAT_SAFE.test(file)) return { available: false, reason: `socat cannot exec a path like ${file}` };
    if (!socat()) return { available: false, reason: 'socat not found (run .ci/install-ftp-servers.sh)' };
    const unshareFile = unshare();
    if (!unshareFile) return { available: false, reason: 'unshare (util-linux) not found' };
    const root = rootAvailability();
    if (!root.available) return root;
    return mountNamespaces(unshareFile);
  },
  unsupported(options: ResolvedFtpServerOptions): string | undefined {
    if (options.dataModes !== 'both') return 'inetutils ftpd cannot refuse a data method';
    if (options.tls !== 'none') return 'inetutils ftpd has no TLS';
    if (options.maxClients !== undefined) return 'inetutils ftpd run from socat has no client limit';
    return undefined;
  },
  features() {
    return { mlsd: false, asciiConversion: true, tls: false, active: true, passive: true };
  },
  async prepare(context: ServerContext) {
    const file = daemon();
    const socatFile = socat();
    const unshareFile = unshare();
    if (!file || !socatFile || !unshareFile) throw new Error('inetutils ftpd, socat or unshare not found');
    const passwd = join(context.conf, 'passwd');
    writeFileSync(passwd, passwdCopy(context), { mode: 0o644 });
    const idle = context.options.idleTimeoutSec;
    const ftpd = [file, ...(idle === undefined ? [] : ['-t', String(idle)])].join(' ');
    // Positional parameters, so no path is ever parsed by the shell.
    const script = 'mount --bind "$1" /etc/passwd && exec "$2" "TCP-LISTEN:$3,bind=127.0.0.1,reuseaddr,fork" "EXEC:$4,nofork"';
    return new SpawnedServer({
      label: 'inetutils-ftpd',
      binary: unshareFile,
      args: [
        '--mount',
        '--propagation',
        'private',
        '--',
        '/bin/sh',
        '-c',
        script,
        'sh',
        passwd,
        socatFile,
        String(context.ports.port),
        ftpd,
      ],
      port: context.ports.port,
      cwd: context.conf,
    });
  },
};
