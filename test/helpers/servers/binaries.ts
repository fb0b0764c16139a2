// Where the Debian FTP servers live: vsftpd is apt-installed; pure-ftpd and
// proftpd are unpacked into <repo>/.ftp-servers/ by .ci/install-ftp-servers.sh
// (the three packages conflict, so apt installs only one of them).
import { accessSync, constants, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const unpackedServers = join(repoRoot, '.ftp-servers');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function findExecutable(candidates: readonly string[]): string | undefined {
  return candidates.find(executable);
}

export function findDirectory(candidates: readonly string[]): string | undefined {
  return candidates.find((path) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  });
}
