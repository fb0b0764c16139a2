// What the BSD-derived inetd ftpds of the suite share (GNU inetutils ftpd and
// netkit/OpenBSD ftpd, both unpacked from Debian packages into .ftp-servers/):
// socat accepts on the control port and, per connection, execs the ftpd with
// the TCP socket as its stdin/stdout (`nofork`: the ftpd needs a real socket
// to learn its own address for PASV/EPSV and the peer's for EPRT/PORT).
// Logins go through the system test account. Both run in a mount namespace of
// their own (unshare -m) where /etc/passwd is a copy in which the account's
// home is the served folder, so that folder is the login directory (PWD after
// login) and the account is not chrooted: FTP paths are host paths
// (`ftpRoot`). The copy also gives the account /bin/sh, because a BSD ftpd
// refuses a user whose shell is not in /etc/shells; nothing ever runs that
// shell. A driver may bind more copies over /etc (netkit's PAM service); the
// host's own files are never touched.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { findExecutable } from './binaries.js';
import { rootAvailability, type FtpServerDriver, type ServerContext } from './driver.js';
import { SpawnedServer } from './spawnedServer.js';
import type { FtpServerAvailability, FtpServerKind, ResolvedFtpServerOptions } from './types.js';

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

export interface InetdFtpdSpec {
  kind: FtpServerKind;
  /** How the tests name it in messages. */
  label: string;
  daemon(): string | undefined;
  /** The daemon's arguments (each SOCAT_SAFE), before the idle timeout's `-t N`. */
  args: readonly string[];
  /** More host paths to hide behind copies in the namespace: [copy written into conf/, host path]. */
  binds?(context: ServerContext): Array<[copy: string, target: string]>;
}

export function inetdFtpdDriver(spec: InetdFtpdSpec): FtpServerDriver {
  return {
    kind: spec.kind,
    usesSystemUser: true,
    chrooted: false,
    availability(): FtpServerAvailability {
      const file = spec.daemon();
      if (!file) return { available: false, reason: `${spec.label} not found in .ftp-servers/ (run .ci/install-ftp-servers.sh)` };
      if (!SOCAT_SAFE.test(file)) return { available: false, reason: `socat cannot exec a path like ${file}` };
      if (!socat()) return { available: false, reason: 'socat not found (run .ci/install-ftp-servers.sh)' };
      const unshareFile = unshare();
      if (!unshareFile) return { available: false, reason: 'unshare (util-linux) not found' };
      const root = rootAvailability();
      if (!root.available) return root;
      return mountNamespaces(unshareFile);
    },
    unsupported(options: ResolvedFtpServerOptions): string | undefined {
      if (options.dataModes !== 'both') return `${spec.label} cannot refuse a data method`;
      if (options.tls !== 'none') return `${spec.label} runs without TLS here`;
      if (options.maxClients !== undefined) return `${spec.label} run from socat has no client limit`;
      return undefined;
    },
    features() {
      return { mlsd: false, asciiConversion: true, tls: false, active: true, passive: true };
    },
    async prepare(context: ServerContext) {
      const file = spec.daemon();
      const socatFile = socat();
      const unshareFile = unshare();
      if (!file || !socatFile || !unshareFile) throw new Error(`${spec.label}, socat or unshare not found`);
      const passwd = join(context.conf, 'passwd');
      writeFileSync(passwd, passwdCopy(context), { mode: 0o644 });
      const binds: Array<[string, string]> = [[passwd, '/etc/passwd'], ...(spec.binds?.(context) ?? [])];
      const idle = context.options.idleTimeoutSec;
      const ftpd = [file, ...spec.args, ...(idle === undefined ? [] : ['-t', String(idle)])].join(' ');
      // Positional parameters, so no path is ever parsed by the shell: $1 socat,
      // $2 the port, $3 the ftpd command, then pairs of (copy, host path) to bind.
      const script =
        'socat="$1"; port="$2"; ftpd="$3"; shift 3; ' +
        'while [ "$#" -gt 0 ]; do mount --bind "$1" "$2" || exit 1; shift 2; done; ' +
        'exec "$socat" "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "EXEC:$ftpd,nofork"';
      return new SpawnedServer({
        label: spec.kind,
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
          socatFile,
          String(context.ports.port),
          ftpd,
          ...binds.flat(),
        ],
        port: context.ports.port,
        cwd: context.conf,
      });
    },
  };
}
