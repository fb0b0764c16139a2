/**
 * The small-file phase: 1 KiB GET/PUT under load (autocannon, in this
 * process), the direct FTP ceiling (curl processes each fetching the file many
 * times over one reused FTP connection) and rclone serve http on the same
 * FTP server.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ftpUrl } from './curl.js';
import { commandExists, cpuSeconds, freePort, runCommand, stopChild, track, waitForHttp } from './processes.js';
import { percentile } from './stats.js';

export interface LoadResult {
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  failed: number;
  /** CPU time the server under test (gateway or rclone) spent per successful request, ms; null when not measured. */
  cpuMsPerRequest: number | null;
}

export interface LoadRequest {
  method?: 'GET' | 'PUT';
  body?: Buffer;
  headers?: Record<string, string>;
  /** The one status that counts as success (a 304 for conditional GETs); default: any 2xx. */
  status?: number;
}

/**
 * autocannon for `seconds` at `connections`; any other status than the
 * expected one, error or timeout is reported in `failed` (the caller decides
 * whether that is an error).
 */
export async function loadTest(
  url: string,
  connections: number,
  seconds: number,
  request: LoadRequest = {},
  serverPid?: number,
): Promise<LoadResult> {
  const cpuBefore = cpuSeconds(serverPid);
  const headers = { ...(request.body ? { 'content-type': 'application/octet-stream' } : {}), ...request.headers };
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    method: request.method ?? 'GET',
    ...(request.body ? { body: request.body } : {}),
    headers,
    timeout: 30,
  });
  const responses = Object.values(result.statusCodeStats ?? {}).reduce((sum, s) => sum + s.count, 0);
  const ok = request.status === undefined ? result['2xx'] : (result.statusCodeStats?.[String(request.status)]?.count ?? 0);
  const cpuAfter = cpuSeconds(serverPid);
  return {
    connections,
    requestsPerSecond: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok,
    failed: (request.status === undefined ? result.non2xx : responses - ok) + result.errors + result.timeouts,
    cpuMsPerRequest: cpuBefore !== null && cpuAfter !== null && ok > 0 ? ((cpuAfter - cpuBefore) * 1000) / ok : null,
  };
}

/**
 * An untimed load, so the JIT and the pool are warm before a measured phase
 * (a gateway's first seconds cost about twice the CPU per request of later ones).
 */
export async function warmUp(url: string, request: LoadRequest = {}, seconds = 3): Promise<void> {
  await loadTest(url, 8, seconds, request);
}

export interface CeilingResult {
  processes: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

/**
 * `processes` curl processes at once, each fetching the same file `perProcess`
 * times in one invocation (curl reuses the FTP connection for URLs on the
 * same host, so each is one login and then CWD-less RETRs on its own data
 * connection). `-w` prints each transfer's time: the latency distribution.
 */
export async function directCeiling(
  server: { host: string; port: number; user: string; password: string },
  path: string,
  processes: number,
  perProcess: number,
): Promise<CeilingResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ftpgw-bench-curl-'));
  try {
    const config = join(dir, 'urls.cfg');
    const url = ftpUrl(server, path);
    writeFileSync(config, `url = "${url}"\noutput = "/dev/null"\n`.repeat(perProcess), { mode: 0o600 });
    const started = performance.now();
    const runs = await Promise.all(
      Array.from({ length: processes }, () =>
        runCommand('curl', ['-sS', '--noproxy', '*', '-w', '%{response_code} %{time_total}\\n', '-K', config]),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const times: number[] = [];
    for (const run of runs) {
      const lines = run.stdout.trim().split('\n');
      const good = lines.filter((l) => l.startsWith('226 '));
      if (run.code !== 0 || good.length !== perProcess) {
        throw new Error(
          `direct ceiling: curl exited ${run.code} after ${good.length}/${perProcess} transfers: ${run.stderr.trim().slice(0, 300)}`,
        );
      }
      for (const line of good) times.push(Number(line.split(' ')[1]) * 1000);
    }
    return {
      processes,
      requestsPerSecond: times.length / seconds,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      requests: times.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Rclone {
  url: string;
  pid: number | undefined;
  version: string;
  stop(): Promise<void>;
}

export interface RcloneOptions {
  /** FTP connections rclone may open (--ftp-concurrency; 0: rclone's default, unlimited). */
  concurrency?: number;
  /** Explicit FTPS (AUTH TLS), the certificate not checked (a self-signed one on loopback). */
  explicitTls?: boolean;
}

/**
 * `rclone serve http` on an on-the-fly FTP remote (RCLONE_CONFIG_X_* in the
 * environment, the password through `rclone obscure`), or undefined when
 * rclone is not installed.
 */
export async function startRclone(
  server: { host: string; port: number; user: string; password: string },
  options: RcloneOptions = {},
): Promise<Rclone | undefined> {
  if (!(await commandExists('rclone'))) return undefined;
  const version = (await runCommand('rclone', ['version'])).stdout.split('\n')[0]?.trim() ?? 'rclone';
  const obscured = await runCommand('rclone', ['obscure', '-'], { input: server.password });
  if (obscured.code !== 0) throw new Error(`rclone obscure failed: ${obscured.stderr.trim()}`);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_BENCHFTP_TYPE: 'ftp',
    RCLONE_CONFIG_BENCHFTP_HOST: server.host,
    RCLONE_CONFIG_BENCHFTP_PORT: String(server.port),
    RCLONE_CONFIG_BENCHFTP_USER: server.user,
    RCLONE_CONFIG_BENCHFTP_PASS: obscured.stdout.trim(),
    ...(options.concurrency ? { RCLONE_CONFIG_BENCHFTP_CONCURRENCY: String(options.concurrency) } : {}),
    ...(options.explicitTls ? { RCLONE_CONFIG_BENCHFTP_EXPLICIT_TLS: 'true', RCLONE_CONFIG_BENCHFTP_NO_CHECK_CERTIFICATE: 'true' } : {}),
  };
  const child = track(
    spawn('rclone', ['serve', 'http', 'benchftp:', '--addr', `127.0.0.1:${port}`, '--log-level', 'ERROR'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (output.length < 16 * 1024) output += chunk.toString('utf8');
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/`, child, 'rclone serve http', () => output);
  } catch (error) {
    await stopChild(child, 2000);
    throw error;
  }
  return { url, pid: child.pid, version, stop: async () => void (await stopChild(child, 5000)) };
}
