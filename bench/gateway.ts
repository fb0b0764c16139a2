/**
 * The gateway under test, as its own Node process (so its memory is its own):
 * either a fresh `tsc` build of src/ in a temp folder (what `npm start` runs)
 * or src/main.ts through tsx. Configured only through the environment, as in
 * production: HOST, PORT, FTP_URL, LOG_LEVEL=warn; with the image's NODE_OPTIONS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_NODE_OPTIONS } from '../test/helpers/imageNodeOptions.js';
import { freePort, memoryStatus, runCommand, stopChild, track, waitForHttp, type MemoryStatus } from './processes.js';

export interface GatewayBuild {
  /** Command line to start the gateway: node + these args. */
  args: string[];
  /** Human-readable: "tsc build" / "tsx (build failed: …)". */
  description: string;
  cleanup(): void;
}

/**
 * Compiles src/ into a temp folder laid out like the project (dist/ beside a
 * symlinked openapi/ and node_modules/), because the gateway finds its
 * OpenAPI document at ../../openapi from dist/http/. Type errors elsewhere in
 * a tree under edit still emit JavaScript; the run then notes them.
 */
export async function prepareGateway(projectDir: string, runtime: 'build' | 'tsx'): Promise<GatewayBuild> {
  const tsxArgs = ['--import', 'tsx', join(projectDir, 'src/main.ts')];
  if (runtime === 'tsx') return { args: tsxArgs, description: 'src/main.ts through tsx', cleanup: () => {} };
  const base = mkdtempSync(join(tmpdir(), 'ftpgw-bench-build-'));
  const cleanup = (): void => rmSync(base, { recursive: true, force: true });
  try {
    writeFileSync(join(base, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(join(projectDir, 'node_modules'), join(base, 'node_modules'));
    symlinkSync(join(projectDir, 'openapi'), join(base, 'openapi'));
    // The kernel relay addon, found at ../../native from dist/relay.
    if (existsSync(join(projectDir, 'native'))) symlinkSync(join(projectDir, 'native'), join(base, 'native'));
    mkdirSync(join(base, 'dist'));
    const tsc = join(projectDir, 'node_modules/.bin/tsc');
    const result = await runCommand(tsc, [
      '-p',
      join(projectDir, 'tsconfig.build.json'),
      '--outDir',
      join(base, 'dist'),
      '--sourceMap',
      'false',
    ]);
    const main = join(base, 'dist/main.js');
    if (!existsSync(main)) {
      cleanup();
      return {
        args: tsxArgs,
        description: `src/main.ts through tsx (tsc build failed: ${firstLine(result.stdout + result.stderr)})`,
        cleanup: () => {},
      };
    }
    const note = result.code === 0 ? '' : ` (tsc reported type errors: ${firstLine(result.stdout + result.stderr)})`;
    return { args: [main], description: `node on a fresh tsc build of src/${note}`, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 160) ?? '';
}

export class GatewayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly #output: () => string;

  private constructor(url: string, child: ChildProcess, output: () => string) {
    this.url = url;
    this.child = child;
    this.#output = output;
  }

  static async start(build: GatewayBuild, ftpUrl: string, options: { cpuProfDir?: string } = {}): Promise<GatewayProcess> {
    const port = await freePort();
    const nodeArgs = options.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir];
    const child = track(
      spawn(process.execPath, [...nodeArgs, ...build.args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          NODE_OPTIONS: [process.env.NODE_OPTIONS, IMAGE_NODE_OPTIONS].filter(Boolean).join(' '),
          HOST: '127.0.0.1',
          PORT: String(port),
          FTP_URL: ftpUrl,
          LOG_LEVEL: 'warn',
          API_KEYS: '',
          CONFIG_FILE: '',
        },
      }),
    );
    let output = '';
    const collect = (chunk: Buffer): void => {
      if (output.length < 64 * 1024) output += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/healthz`, child, 'gateway', () => output);
    } catch (error) {
      await stopChild(child, 2000);
      throw error;
    }
    return new GatewayProcess(url, child, () => output);
  }

  /** `http://…/api/v1/servers/default/files/<path>` */
  fileUrl(path: string, query = ''): string {
    return `${this.url}/api/v1/servers/default/files/${path}${query === '' ? '' : `?${query}`}`;
  }

  dirUrl(path: string, query = ''): string {
    return `${this.url}/api/v1/servers/default/dirs/${path}${query === '' ? '' : `?${query}`}`;
  }

  memory(): MemoryStatus {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('gateway has no pid');
    return memoryStatus(pid);
  }

  /** What the gateway printed (warnings and errors only, LOG_LEVEL=warn). */
  output(): string {
    return this.#output();
  }

  /** SIGTERM (graceful shutdown; --cpu-prof writes its profile then). */
  async stop(): Promise<void> {
    const code = await stopChild(this.child, 20_000);
    if (code !== 0 && code !== null) process.stderr.write(`bench: gateway exited with ${code}: ${this.#output().trim().slice(-500)}\n`);
  }
}
