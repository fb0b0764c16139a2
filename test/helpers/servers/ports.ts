// Port blocks for test servers: one control port followed by the passive range.
//
// Blocks come from 20000–32767, below Linux's ephemeral range (32768–60999
// by default), so a client socket's source port or a listen(0) elsewhere never
// lands inside a server's passive range. Parallel test processes coordinate
// through lock files (one per 128-port slot, holding the owner's pid; a lock
// whose owner is dead is taken over), and every port is probed by binding it.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processGone } from './processes.js';

const FIRST_PORT = 20_000;
const LAST_PORT = 32_767;
const SLOT = 128;
const SLOTS = Math.floor((LAST_PORT + 1 - FIRST_PORT) / SLOT);
const lockDir = join(tmpdir(), 'ftpgw-port-locks');

export interface PortBlock {
  /** The control port. */
  readonly port: number;
  /** First and last passive port (inclusive). */
  readonly passiveMin: number;
  readonly passiveMax: number;
  release(): void;
}

function tryLock(slot: number): boolean {
  const file = join(lockDir, String(slot));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        continue; // vanished meanwhile: retry
      }
      if (Number.isInteger(owner) && owner > 0 && !processGone(owner)) return false;
      rmSync(file, { force: true }); // stale: its owner died without releasing it
    }
  }
  return false;
}

function unlock(slot: number): void {
  const file = join(lockDir, String(slot));
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const held = new Set<number>();
process.once('exit', () => {
  for (const slot of held) unlock(slot);
});

/** Reserves `1 + passivePorts` consecutive free loopback ports. */
export async function allocatePortBlock(passivePorts: number): Promise<PortBlock> {
  mkdirSync(lockDir, { recursive: true });
  const slotsNeeded = Math.ceil((1 + passivePorts) / SLOT);
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = Math.floor(Math.random() * (SLOTS - slotsNeeded + 1));
    const slots = Array.from({ length: slotsNeeded }, (_, i) => first + i);
    if (slots.some((slot) => held.has(slot))) continue;
    const locked: number[] = [];
    for (const slot of slots) {
      if (!tryLock(slot)) break;
      locked.push(slot);
    }
    const releaseSlots = (): void => {
      for (const slot of locked) {
        unlock(slot);
        held.delete(slot);
      }
    };
    for (const slot of locked) held.add(slot);
    if (locked.length !== slots.length) {
      releaseSlots();
      continue;
    }
    const port = FIRST_PORT + first * SLOT;
    const ports = Array.from({ length: 1 + passivePorts }, (_, i) => port + i);
    const free = await Promise.all(ports.map(portFree));
    if (!free.every(Boolean)) {
      releaseSlots();
      continue;
    }
    return { port, passiveMin: port + 1, passiveMax: port + passivePorts, release: releaseSlots };
  }
  throw new Error('no free block of loopback ports for a test FTP server');
}
