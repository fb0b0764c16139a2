// The one system account every test server logs its user in as.
//
// vsftpd authenticates through PAM (pam_unix), proftpd through an AuthUserFile
// and pure-ftpd through a puredb; all three get the same SHA-512 crypt hash.
// SHA-512 rather than bookworm's default yescrypt: a yescrypt check costs about
// 130 ms per vsftpd login, SHA-512 a few ms. pure-pw's argon2id costs seconds.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { run } from './processes.js';

export const FTP_TEST_USER = 'ftpgw';
// A test-only credential for a nologin account whose servers listen on loopback only.
export const FTP_TEST_PASSWORD = 'ftpgw-loopback-only';
const PAM_SERVICE = 'ftpgw-vsftpd';

export interface SystemUser {
  readonly name: string;
  readonly password: string;
  readonly uid: number;
  readonly gid: number;
  /** `$6$…` SHA-512 crypt hash of the password. */
  readonly passwordHash: string;
  /** Name of the PAM service file written for vsftpd. */
  readonly pamService: string;
}

const PAM_FILE = `# Written by ftp-gateway's test launchers: plain pam_unix, without the
# pam_shells/ftpusers checks that refuse the nologin test account.
auth required pam_unix.so
account required pam_unix.so
session required pam_permit.so
`;

function passwdEntry(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  return undefined;
}

function shadowHash(name: string): string | undefined {
  for (const line of readFileSync('/etc/shadow', 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name) return fields[1];
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries commands that fail while another test process holds /etc/passwd's or /etc/shadow's lock. */
async function withRetry<T>(action: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(50 + Math.random() * 100);
    }
  }
}

async function hashMatches(hash: string | undefined): Promise<boolean> {
  const salt = /^\$6\$([^$]+)\$/.exec(hash ?? '')?.[1];
  if (!salt) return false;
  const { stdout } = await run('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: `${FTP_TEST_PASSWORD}\n` });
  return stdout.trim() === hash;
}

function writeIfChanged(path: string, content: string): void {
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === content) return;
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o644 });
  renameSync(temp, path); // atomic: a concurrent vsftpd login never reads half a file
}

async function setUp(): Promise<SystemUser> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('the real FTP server launchers need root (user switching, chroot)');
  }
  if (!passwdEntry(FTP_TEST_USER)) {
    await withRetry(async () => {
      if (passwdEntry(FTP_TEST_USER)) return;
      await run('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/',
        '--shell',
        '/usr/sbin/nologin',
        FTP_TEST_USER,
      ]);
    });
  }
  const ids = passwdEntry(FTP_TEST_USER);
  if (!ids) throw new Error(`could not create the system user ${FTP_TEST_USER}`);

  let hash = shadowHash(FTP_TEST_USER);
  if (!(await hashMatches(hash))) {
    hash = (await run('openssl', ['passwd', '-6', '-stdin'], { input: `${FTP_TEST_PASSWORD}\n` })).stdout.trim();
    const line = `${FTP_TEST_USER}:${hash}\n`;
    await withRetry(() => run('chpasswd', ['-e'], { input: line }));
    hash = shadowHash(FTP_TEST_USER);
    if (!(await hashMatches(hash))) throw new Error(`could not set the password of ${FTP_TEST_USER}`);
  }
  writeIfChanged(`/etc/pam.d/${PAM_SERVICE}`, PAM_FILE);
  return {
    name: FTP_TEST_USER,
    password: FTP_TEST_PASSWORD,
    uid: ids.uid,
    gid: ids.gid,
    passwordHash: hash as string,
    pamService: PAM_SERVICE,
  };
}

/** For the in-process ftp-srv: same credentials, but files belong to this process's user. */
export function inProcessUser(): SystemUser {
  return {
    name: FTP_TEST_USER,
    password: FTP_TEST_PASSWORD,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    passwordHash: '',
    pamService: '',
  };
}

let pending: Promise<SystemUser> | undefined;

/** Creates (once per machine) and checks (once per process) the test account. */
export function ensureSystemUser(): Promise<SystemUser> {
  pending ??= setUp().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}
