/**
 * bench/bareRelay.py as a child process: the bare relay (splice, no HTTP)
 * between curl and vsftpd, on a loopback address of its own, for the limit
 * of any relay in the large-transfer phases.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandExists, stopChild, track } from './processes.js';

export interface BareRelay {
  host: string;
  stop(): Promise<void>;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'bareRelay.py');

/** Undefined when python3 is missing (the comparison is then skipped with a note). */
export async function startBareRelay(server: {
  host: string;
  port: number;
  passivePorts: readonly [number, number];
}): Promise<BareRelay | undefined> {
  if (!(await commandExists('python3'))) return undefined;
  const host = '127.0.0.3';
  const [low, high] = server.passivePorts;
  const ports = [server.port, ...Array.from({ length: high - low + 1 }, (_, i) => low + i)];
  const child = track(spawn('python3', [SCRIPT, host, server.host, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString('utf8')));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bare relay exited with ${code}: ${output.trim().slice(0, 300)}`)));
  });
  const timeout = AbortSignal.timeout(10_000);
  try {
    await Promise.race([ready, once(timeout, 'abort').then(() => Promise.reject(new Error('bare relay did not start within 10 s')))]);
  } catch (error) {
    await stopChild(child, 1000);
    throw error;
  }
  return { host, stop: async () => void (await stopChild(child, 2000)) };
}
