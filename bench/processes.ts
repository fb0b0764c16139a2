/**
 * Child processes of the benchmark: every one is tracked so that an error or
 * a signal still ends them all (by pid, each one we started), and nothing
 * outlives the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const children = new Set<ChildProcess>();

/** Ends every child still running (SIGKILL: used on the error path only). */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, collecting its output (stdout capped at 16 MiB). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env }));
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      if (stdout.length < 16 * 1024 * 1024) stdout += s;
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < 64 * 1024) stderr += s;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    // A child that exits without reading its input (curl, rclone) breaks the pipe: not an error of ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

export async function commandExists(command: string): Promise<boolean> {
  try {
    const result = await runCommand('sh', ['-c', `command -v ${command}`]);
    return result.code === 0;
  } catch {
    return false;
  }
}

/** A free TCP port on loopback (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 2xx (or the child exits, or time runs out). */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  label: string,
  output: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${label} exited during startup: ${output().trim()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${label} did not answer ${url} within ${timeoutMs} ms: ${output().trim()}`);
}

/** Stops a child with SIGTERM, then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export interface MemoryStatus {
  /** Peak resident set size since the process started (VmHWM), bytes. */
  hwm: number;
  /** Current resident set size (VmRSS), bytes. */
  rss: number;
}

/** VmHWM and VmRSS of a live process from /proc (Linux). */
export function memoryStatus(pid: number): MemoryStatus {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!match?.[1]) throw new Error(`${name} missing in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { hwm: kib('VmHWM'), rss: kib('VmRSS') };
}

/**
 * CPU seconds (user + system) a live process has used, from /proc (Linux;
 * clock ticks at the usual 100 Hz), or null when it cannot be read.
 */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}
