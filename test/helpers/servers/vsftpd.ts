// vsftpd 3.0.3 (Debian bookworm), one instance per test server.
//
// Quirks worth knowing (see test/fixtures/listings/README.md for listings):
// - no MLSD: listings come from LIST in `ls -l` style, numeric uid/gid;
// - port_enable=NO answers PORT and EPRT with "550 Permission denied.";
//   pasv_enable=NO answers PASV and EPSV the same way;
// - ascii off (its default): TYPE A is accepted ("200 Switching to ASCII
//   mode.") and bytes move unchanged both ways. ascii on: upload turns CRLF
//   into LF (a lone CR stays), download turns LF into CRLF (an existing CRLF
//   is not doubled). SIZE answers the on-disk size in either TYPE;
// - AUTH TLS after login: "500 Unknown command."; explicit-required refuses
//   USER with "530 Non-anonymous sessions must use encryption.";
// - maxClients: "421 There are too many connected users, please try later."
//   at connect; idle timeout: "421 Timeout.";
// - TLS keeps require_ssl_reuse=YES: the data connection must resume the
//   control connection's TLS session;
// - the config file must be owned by root with mode 600;
// - chroot: false (chroot_local_user=NO) serves the whole file system; the
//   session starts in local_root and PWD answers its host path;
// - pasvAddress: PASV names that address (pasv_address), as behind NAT.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from './binaries.js';
import { maskPass, rootAvailability, type FtpServerDriver, type ServerContext } from './driver.js';
import { SpawnedServer } from './spawnedServer.js';
import type { FtpServerAvailability, ResolvedFtpServerOptions } from './types.js';

const binary = (): string | undefined => findExecutable(['/usr/sbin/vsftpd', '/usr/local/sbin/vsftpd']);

const yesNo = (value: boolean): string => (value ? 'YES' : 'NO');

function config(context: ServerContext, logFile: string, emptyDir: string): string {
  const { options, ports, user, root, cert } = context;
  const lines: Record<string, string | number> = {
    listen: 'YES',
    listen_ipv6: 'NO',
    listen_address: '127.0.0.1',
    listen_port: ports.port,
    background: 'NO',
    seccomp_sandbox: 'NO',
    anonymous_enable: 'NO',
    local_enable: 'YES',
    write_enable: 'YES',
    local_umask: '022',
    // Without the chroot, local_root is still where the session starts: its login directory.
    chroot_local_user: yesNo(options.chroot),
    allow_writeable_chroot: 'YES',
    local_root: root,
    secure_chroot_dir: emptyDir,
    pam_service_name: user.pamService,
    userlist_enable: 'NO',
    tcp_wrappers: 'NO',
    dirmessage_enable: 'NO',
    ftpd_banner: 'ftp-gateway test vsftpd',
    pasv_enable: yesNo(options.dataModes !== 'active-only'),
    pasv_min_port: ports.passiveMin,
    pasv_max_port: ports.passiveMax,
    ...(options.pasvAddress !== undefined ? { pasv_address: options.pasvAddress, pasv_addr_resolve: 'NO' } : {}),
    port_enable: yesNo(options.dataModes !== 'passive-only'),
    // Active data connections from an unprivileged port: no need for port 20.
    connect_from_port_20: 'NO',
    ascii_upload_enable: yesNo(options.ascii),
    ascii_download_enable: yesNo(options.ascii),
    idle_session_timeout: options.idleTimeoutSec ?? 300,
    max_clients: options.maxClients ?? 0,
    max_per_ip: 0,
    // The command log: "FTP command: Client "127.0.0.1", "PASV"".
    xferlog_enable: 'YES',
    xferlog_std_format: 'NO',
    log_ftp_protocol: 'YES',
    vsftpd_log_file: logFile,
    syslog_enable: 'NO',
    use_localtime: 'NO',
  };
  if (options.tls !== 'none' && cert) {
    Object.assign(lines, {
      ssl_enable: 'YES',
      implicit_ssl: yesNo(options.tls === 'implicit'),
      rsa_cert_file: cert.certPath,
      rsa_private_key_file: cert.keyPath,
      allow_anon_ssl: 'NO',
      force_local_logins_ssl: yesNo(options.tls !== 'explicit'),
      force_local_data_ssl: yesNo(options.tls !== 'explicit'),
      require_ssl_reuse: 'YES',
      ssl_request_cert: 'NO',
      ssl_sslv2: 'NO',
      ssl_sslv3: 'NO',
      ssl_tlsv1: 'YES',
      ssl_ciphers: 'HIGH',
    });
  }
  return (
    Object.entries(lines)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n') + '\n'
  );
}

/** `Tue Nov 25 12:00:00 2025 [pid 123] [ftpgw] FTP command: Client "127.0.0.1", "RETR a.txt"` → `RETR a.txt`. */
function parseLog(text: string): string[] {
  const commands: string[] = [];
  for (const line of text.split('\n')) {
    const match = /FTP command: Client "[^"]*", "(.*)"\s*$/.exec(line);
    if (match?.[1] !== undefined) commands.push(maskPass(match[1]));
  }
  return commands;
}

export const vsftpdDriver: FtpServerDriver = {
  kind: 'vsftpd',
  usesSystemUser: true,
  availability(): FtpServerAvailability {
    if (!binary()) return { available: false, reason: 'vsftpd not found in /usr/sbin (run .ci/install-ftp-servers.sh)' };
    return rootAvailability();
  },
  unsupported(): string | undefined {
    return undefined;
  },
  features(options: ResolvedFtpServerOptions) {
    return {
      mlsd: false,
      asciiConversion: options.ascii,
      tls: options.tls !== 'none',
      active: options.dataModes !== 'passive-only',
      passive: options.dataModes !== 'active-only',
    };
  },
  async prepare(context: ServerContext) {
    const file = binary();
    if (!file) throw new Error('vsftpd not found');
    const emptyDir = join(context.base, 'empty');
    mkdirSync(emptyDir, { mode: 0o755 });
    const logFile = join(context.conf, 'vsftpd.log');
    writeFileSync(logFile, '', { mode: 0o600 });
    const configFile = join(context.conf, 'vsftpd.conf');
    writeFileSync(configFile, config(context, logFile, emptyDir), { mode: 0o600 });
    return new SpawnedServer({
      label: 'vsftpd',
      binary: file,
      args: [configFile],
      port: context.ports.port,
      cwd: context.conf,
      ...(context.options.tls === 'implicit' && context.cert ? { implicitTlsCa: context.cert.certPem } : {}),
      commandLog: async () => parseLog(readFileSync(logFile, 'utf8')),
    });
  },
};
