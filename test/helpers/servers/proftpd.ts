// ProFTPD 1.3.8 (Debian bookworm, unpacked into .ftp-servers/ with its modules).
//
// Quirks:
// - data modes are limited with <Limit PORT EPRT>/<Limit PASV EPSV> DenyAll,
//   which answers "501 PORT: Operation not permitted" (and likewise for the others);
// - TYPE A converts: upload CRLF→LF (a lone CR stays), download LF→CRLF
//   (an existing CRLF is not doubled);
// - explicit-required answers a plaintext USER with "550 SSL/TLS required on
//   the control channel"; idle timeout: "421 Idle timeout (2 seconds): closing
//   control connection";
// - mod_tls is a loadable module here; TLS requires session reuse on data
//   connections unless "TLSOptions NoSessionReuseRequired" (we keep it required);
// - SIZE in TYPE A is refused: "550 SIZE not allowed in ASCII mode";
// - maxClients refuses with 530 at login, not 421 at connect (MaxClients);
// - the AuthUserFile must not be group/world readable;
// - the command log comes from ExtendedLog with "%r" (PASS shows as "PASS (hidden)").
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDirectory, findExecutable, unpackedServers } from './binaries.js';
import { maskPass, rootAvailability, type FtpServerDriver, type ServerContext } from './driver.js';
import { run } from './processes.js';
import { SpawnedServer } from './spawnedServer.js';
import type { FtpServerAvailability, ResolvedFtpServerOptions } from './types.js';

const daemon = (): string | undefined => findExecutable([join(unpackedServers, 'proftpd/usr/sbin/proftpd'), '/usr/sbin/proftpd']);
const modules = (): string | undefined => findDirectory([join(unpackedServers, 'proftpd/usr/lib/proftpd'), '/usr/lib/proftpd']);

function config(context: ServerContext, moduleDir: string, commandLogFile: string): string {
  const { options, ports, conf, cert } = context;
  const lines = [
    'ServerName "ftp-gateway test proftpd"',
    'ServerIdent on "ftp-gateway test proftpd"',
    'ServerType standalone',
    'DefaultAddress 127.0.0.1',
    'SocketBindTight on',
    'UseIPv6 off',
    `Port ${ports.port}`,
    'User nobody',
    'Group nogroup',
    `PidFile ${join(conf, 'proftpd.pid')}`,
    `ScoreboardFile ${join(conf, 'proftpd.scoreboard')}`,
    `SystemLog ${join(conf, 'proftpd.log')}`,
    'TransferLog none',
    'UseReverseDNS off',
    'DelayEngine off',
    'WtmpLog off',
    'UseFtpUsers off',
    `ModulePath ${moduleDir}`,
    'AuthOrder mod_auth_file.c',
    `AuthUserFile ${join(conf, 'passwd')}`,
    `AuthGroupFile ${join(conf, 'group')}`,
    'RequireValidShell off',
    'DefaultRoot ~',
    'Umask 022',
    `PassivePorts ${ports.passiveMin} ${ports.passiveMax}`,
    'AllowOverwrite on',
    'AllowStoreRestart on',
    'AllowRetrieveRestart on',
    'AllowForeignAddress off',
    `MaxInstances ${Math.max(50, (options.maxClients ?? 0) + 10)}`,
    `TimeoutIdle ${options.idleTimeoutSec ?? 600}`,
    'LogFormat commands "%r"',
    `ExtendedLog ${commandLogFile} ALL commands`,
  ];
  // MaxClients refuses at PASS ("530 Sorry, the maximum number of allowed clients (1) are
  // already connected."); MaxInstances would drop the connection without any reply.
  if (options.maxClients !== undefined) lines.push(`MaxClients ${options.maxClients}`);
  if (options.dataModes === 'passive-only') lines.push('<Limit PORT EPRT>', '  DenyAll', '</Limit>');
  if (options.dataModes === 'active-only') lines.push('<Limit PASV EPSV>', '  DenyAll', '</Limit>');
  if (options.tls !== 'none' && cert) {
    lines.push(
      'LoadModule mod_tls.c',
      'TLSEngine on',
      `TLSLog ${join(conf, 'tls.log')}`,
      'TLSProtocol TLSv1.2 TLSv1.3',
      `TLSRSACertificateFile ${cert.certPath}`,
      `TLSRSACertificateKeyFile ${cert.keyPath}`,
      'TLSVerifyClient off',
      'TLSRenegotiate none',
      `TLSRequired ${options.tls === 'explicit' ? 'off' : 'on'}`,
    );
    if (options.tls === 'implicit') lines.push('TLSOptions UseImplicitSSL');
  }
  return lines.join('\n') + '\n';
}

export const proftpdDriver: FtpServerDriver = {
  kind: 'proftpd',
  usesSystemUser: true,
  availability(): FtpServerAvailability {
    if (!daemon() || !modules()) {
      return { available: false, reason: 'proftpd not found in .ftp-servers/ (run .ci/install-ftp-servers.sh)' };
    }
    return rootAvailability();
  },
  unsupported(options: ResolvedFtpServerOptions): string | undefined {
    if (!options.chroot) return 'the proftpd launcher always chroots (DefaultRoot)';
    return undefined;
  },
  features(options: ResolvedFtpServerOptions) {
    return {
      mlsd: true,
      asciiConversion: true,
      tls: options.tls !== 'none',
      active: options.dataModes !== 'passive-only',
      passive: options.dataModes !== 'active-only',
    };
  },
  async prepare(context: ServerContext) {
    const file = daemon();
    const moduleDir = modules();
    if (!file || !moduleDir) throw new Error('proftpd not found');
    const { user, conf, root } = context;
    writeFileSync(join(conf, 'passwd'), `${user.name}:${user.passwordHash}:${user.uid}:${user.gid}::${root}:/usr/sbin/nologin\n`, {
      mode: 0o600,
    });
    writeFileSync(join(conf, 'group'), `${user.name}:x:${user.gid}:\n`, { mode: 0o644 });
    const commandLogFile = join(conf, 'commands.log');
    const configFile = join(conf, 'proftpd.conf');
    writeFileSync(configFile, config(context, moduleDir, commandLogFile), { mode: 0o600 });
    // Check the config first: a syntax error then names the bad line instead of a silent exit.
    await run(file, ['-t', '-c', configFile]);
    return new SpawnedServer({
      label: 'proftpd',
      binary: file,
      args: ['--nodaemon', '-c', configFile],
      port: context.ports.port,
      cwd: context.conf,
      ...(context.options.tls === 'implicit' && context.cert ? { implicitTlsCa: context.cert.certPem } : {}),
      commandLog: async () => {
        let text = '';
        try {
          text = readFileSync(commandLogFile, 'utf8');
        } catch {
          return [];
        }
        return text
          .split('\n')
          .filter((line) => line !== '')
          .map(maskPass);
      },
    });
  },
};
