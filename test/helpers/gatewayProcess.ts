// The real gateway as its own process (`node --import tsx src/main.ts`),
// configured only through the environment as in production (with the image's
// NODE_OPTIONS), so that its memory is its own (/proc/<pid>/status) and
// SIGTERM is a real signal. Its stdout/stderr (pino JSON lines) go through a
// scan when one is given (test/reliability's SecretScan).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAGE_NODE_OPTIONS } from './imageNodeOptions.js';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface GatewayProcessOptions {
  env: Record<string, string>;
  /** Reads the output as it arrives (test/reliability/summary.ts SecretScan): a helper does not import the reliability suite. */
  scan?: { add(chunk: string | Buffer): void };
  /** Keep the log lines (for assertions on what was logged). */
  keepLog?: boolean;
}

export class GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly #exit: Promise<number | null>;
  readonly #log: string[];

  private constructor(child: ChildProcess, port: number, exit: Promise<number | null>, log: string[]) {
    this.child = child;
    this.port = port;
    this.#exit = exit;
    this.#log = log;
  }

  static async start(options: GatewayProcessOptions): Promise<GatewayProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectDir, 'src/main.ts')], {
      cwd: projectDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/',
        NODE_OPTIONS: IMAGE_NODE_OPTIONS,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        ...options.env,
      },
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const log: string[] = [];
    let pending = '';
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        options.scan?.add(chunk);
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (options.keepLog) log.push(line);
          // {"level":30,...,"url":"http://127.0.0.1:41234",...,"msg":"ftp-gateway ready"}
          const m = /"url":"http:\/\/127\.0\.0\.1:(\d+)".*"msg":"ftp-gateway ready"/.exec(line);
          if (m) resolve(Number(m[1]));
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        options.scan?.add(chunk);
        if (stderr.length < 8192) stderr += chunk.toString('utf8');
      });
      void exit.then((code) => reject(new Error(`gateway exited (${code}) before it was ready: ${stderr.trim()}`)));
    });
    return new GatewayProcess(child, port, exit, log);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resident set size in bytes (VmRSS), from /proc. */
  rss(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb === undefined) throw new Error('no VmRSS');
    return Number(kb) * 1024;
  }

  logLines(): readonly string[] {
    return this.#log;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  exited(): Promise<number | null> {
    return this.#exit;
  }

  /** SIGTERM, then SIGKILL if it is still there after `ms`. Resolves the exit code. */
  async stop(ms = 20_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const code = await this.#exit;
    clearTimeout(timer);
    return code;
  }
}
