// Child-process plumbing for the real FTP server launchers.
//
// vsftpd and proftpd session processes call setsid(), so they leave the
// listener's process group and a plain `kill(-pgid)` misses them; once the
// listener dies they are re-parented and can no longer be found by ancestry.
// So a server is stopped by freezing its whole process tree (SIGSTOP, until no
// new process appears), then killing every process in it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a short helper command (openssl, useradd, …) and resolves its output; rejects on a non-zero exit. */
export function run(file: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 20_000, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`.trim(), { cause: error }));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
    // A command that exits without reading its stdin makes the write fail with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** Parent pid of a process from /proc/PID/stat; the command name may hold spaces and ')' so parse after the last ')'. */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** All live descendants of `rootPid` (children, grandchildren, …), found through /proc. */
export function descendantPids(rootPid: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ppid = parentPid(pid);
    if (ppid === undefined) continue;
    const list = childrenOf.get(ppid);
    if (list) list.push(pid);
    else childrenOf.set(ppid, [pid]);
  }
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of childrenOf.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone.
  }
}

/**
 * Kills a process and its whole tree, synchronously (so it also works from an
 * 'exit' handler). The tree is frozen first so that no session forks a new
 * child between the scan and the kill.
 */
export function killTreeSync(rootPid: number): number[] {
  signal(rootPid, 'SIGSTOP');
  const frozen = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const tree = descendantPids(rootPid);
    const fresh = tree.filter((pid) => !frozen.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      signal(pid, 'SIGSTOP');
      frozen.add(pid);
    }
  }
  for (const pid of frozen) signal(pid, 'SIGKILL');
  signal(-rootPid, 'SIGKILL'); // the listener's own process group (spawned detached)
  signal(rootPid, 'SIGKILL');
  return [...frozen];
}

/** True once a process has exited: no /proc entry, or a zombie waiting for its reaper. */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

const OUTPUT_CAP = 16 * 1024;
const live = new Set<ServerProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that forgets stop() (or throws before it) must not leave servers behind.
  process.once('exit', () => {
    for (const server of live) server.killSync();
  });
}

let signalHooksInstalled = false;

/**
 * SIGTERM/SIGINT/SIGHUP (a test runner's timeout, Ctrl-C) end Node without
 * 'exit' handlers, and the servers run detached. So on those signals: exit
 * through process.exit (which runs the 'exit' hooks) — unless someone else
 * listens for that signal too, in which case the decision to exit is theirs.
 */
export function onTerminationSignal(): void {
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const handler = (): void => {
      if (process.listenerCount(sig) > 1) {
        for (const server of live) server.killSync();
        return;
      }
      process.exit(128 + (sig === 'SIGHUP' ? 1 : sig === 'SIGINT' ? 2 : 15));
    };
    process.on(sig, handler);
  }
}

/** A server binary running in the foreground as our child, with its output kept for error messages. */
export class ServerProcess {
  readonly label: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #output = '';
  #exitCode: number | null | undefined;

  private constructor(label: string, child: ChildProcess) {
    this.label = label;
    this.#child = child;
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-OUTPUT_CAP);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, sig) => {
        this.#exitCode = code ?? (sig ? -1 : null);
        live.delete(this);
        resolve();
      });
      child.once('error', (error) => {
        this.#output += `\nspawn error: ${error.message}`;
        this.#exitCode = -1;
        live.delete(this);
        resolve();
      });
    });
  }

  /** `cwd` is the server's own folder: staleServers.ts finds orphans by it. */
  static spawn(label: string, file: string, args: readonly string[], cwd: string): ServerProcess {
    installExitHook();
    // detached: its own process group, so a Ctrl-C to the test run reaches us, not it directly.
    const child = spawn(file, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
    });
    // The test process may exit while a server still runs; the exit hook kills it.
    child.unref();
    (child.stdout as { unref?: () => void } | null)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    const server = new ServerProcess(label, child);
    live.add(server);
    return server;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  output(): string {
    return this.#output;
  }

  /** The pids of this server's processes (listener and sessions) that are still alive. */
  pids(): number[] {
    const pid = this.#child.pid;
    if (pid === undefined || !this.running) return [];
    return [pid, ...descendantPids(pid)];
  }

  killSync(): number[] {
    const pid = this.#child.pid;
    return pid !== undefined && this.running ? killTreeSync(pid) : [];
  }

  async stop(): Promise<void> {
    // The child is unref'd: without this, a test process with nothing else
    // to do would exit while we wait for the child's exit event.
    this.#child.ref();
    const sessions = this.killSync();
    await this.#exited;
    // SIGKILL is asynchronous: wait until the session processes are really gone,
    // so that "stopped" means no process of this server is left.
    const deadline = Date.now() + 5_000;
    while (sessions.some((pid) => !processGone(pid))) {
      if (Date.now() > deadline)
        throw new Error(`${this.label}: processes ${sessions.filter((pid) => !processGone(pid)).join(',')} survived SIGKILL`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Resolves when the process exits by itself. */
  get exited(): Promise<void> {
    return this.#exited;
  }
}
