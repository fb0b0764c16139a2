// Cleanup after test processes that died without running their exit hooks
// (SIGKILL, a crash in native code): their servers run detached and would
// otherwise live on. Every server folder holds owner.pid; a folder whose
// owner is dead is swept: processes still using it are killed, then it is
// removed.
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killTreeSync, processGone } from './processes.js';

const OWNER_FILE = 'owner.pid';
const FOLDER = /^ftpgw-(vsftpd|pure-ftpd|proftpd|ftp-srv|inetutils-ftpd|netkit-ftpd)-/;

export function markOwner(base: string): void {
  writeFileSync(join(base, OWNER_FILE), String(process.pid));
}

function cwdOf(pid: string): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

/**
 * Pids running in `base`: servers are spawned with their conf/ folder as
 * working directory, and sessions chroot into root/ (proftpd and pure-ftpd
 * overwrite their command line with a title, so cmdline alone would miss them).
 */
function processesUsing(base: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = cwdOf(entry);
    if (cwd === base || cwd.startsWith(`${base}/`)) pids.push(Number(entry));
  }
  return pids;
}

let swept = false;

export function sweepStaleServers(): void {
  if (swept) return;
  swept = true;
  const dir = tmpdir();
  for (const name of readdirSync(dir)) {
    if (!FOLDER.test(name)) continue;
    const base = join(dir, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(base, OWNER_FILE), 'utf8'));
    } catch {
      continue; // being set up right now, or not ours
    }
    if (!Number.isInteger(owner) || owner <= 0 || !processGone(owner)) continue;
    for (const pid of processesUsing(base)) killTreeSync(pid);
    rmSync(base, { recursive: true, force: true });
  }
}
