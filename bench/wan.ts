/**
 * The WAN phase: a vsftpd (AUTH TLS offered) behind a latency proxy (10 ms
 * each way: RTT 20 ms, on the control and the passive data connections),
 * and sequential requests after a warm-up, each kind measured in
 * milliseconds and in round trips: the gateway (warm pool), curl ftp:// with
 * a fresh connection per fetch, and rclone serve http; in clear and with
 * explicit FTPS.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ftpServerAvailability, ftpServerUnsupported, startFtpServer, type RunningFtpServer } from '../test/helpers/servers/index.js';
import { curlTransfer, ftpUrl } from './curl.js';
import { writeListFolder, writeSmallFile } from './fixtures.js';
import { GatewayProcess, type GatewayBuild } from './gateway.js';
import { LatencyProxy } from './latencyProxy.js';
import { startRclone, type Rclone } from './load.js';
import { fmt, percentile } from './stats.js';

export const WAN_DELAY_MS = 10;
export const WAN_RTT_MS = 2 * WAN_DELAY_MS;
const LIST_ENTRIES = 20;

export interface WanRow {
  /** get, head, list, put */
  op: string;
  client: string;
  tls: boolean;
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

export interface WanResults {
  rttMs: number;
  rows: WanRow[];
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** One request on a kept-alive connection: ms to the end of the body (checked status). */
function timedRequest(agent: http.Agent, url: string, method: string, expect: number, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method, agent, headers: body ? { 'content-length': String(body.length) } : {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        if (res.statusCode !== expect && text.length < 2000) text += chunk.toString('utf8');
      });
      res.once('end', () => {
        if (res.statusCode !== expect) reject(new Error(`${method} ${url}: status ${res.statusCode}, expected ${expect}: ${text}`));
        else resolve(performance.now() - started);
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function series(label: string, count: number, warm: number, run: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < warm; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await run());
  log(
    `  ${label.padEnd(40)} p50 ${fmt(percentile(times, 50), 1).padStart(6)} ms (${fmt(percentile(times, 50) / WAN_RTT_MS, 2)} RTT)  p99 ${fmt(percentile(times, 99), 1).padStart(6)} ms`,
  );
  return times;
}

export async function wanPhase(build: GatewayBuild, quick: boolean, notes: string[]): Promise<WanResults> {
  const server = await startFtpServer('vsftpd', { tls: 'explicit', passivePorts: 64 });
  let proxy: LatencyProxy | undefined;
  const stops: Array<() => Promise<void>> = [];
  try {
    proxy = await behindProxy(server, '127.0.0.2');
    const far = { host: proxy.host, port: server.port, user: server.user, password: server.password };
    // Quick (CI): the clear variants only, few samples: it checks that the phase works.
    const count = quick ? 5 : 40;
    const warm = quick ? 2 : 5;
    const curlCount = quick ? 2 : 15;
    const rows: WanRow[] = [];
    const add = (op: string, client: string, tls: boolean, times: number[]): void => {
      rows.push(row(op, client, tls, times));
    };
    for (const tls of quick ? [false] : [false, true]) {
      const suffix = tls ? ', FTPS' : '';
      // The gateway: a warm pool of 8, requests one after another on one kept-alive HTTP connection.
      const query = tls ? '?poolMax=8&tls=explicit&tlsRejectUnauthorized=false' : '?poolMax=8';
      const gateway = await farGateway(build, far, query);
      stops.push(() => gateway.stop());
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const small = randomBytes(1024);
        add(
          'get',
          'gateway',
          tls,
          await series(`GET 1 KiB, gateway${suffix}`, count, warm, () => timedRequest(agent, gateway.fileUrl('small.bin'), 'GET', 200)),
        );
        add(
          'head',
          'gateway',
          tls,
          await series(`HEAD, gateway${suffix}`, count, warm, () => timedRequest(agent, gateway.fileUrl('small.bin'), 'HEAD', 200)),
        );
        add(
          'list',
          'gateway',
          tls,
          await series(`list ${LIST_ENTRIES}, gateway${suffix}`, count, warm, () =>
            timedRequest(agent, gateway.dirUrl('list'), 'GET', 200),
          ),
        );
        add(
          'put',
          'gateway',
          tls,
          await series(`atomic PUT 1 KiB, gateway${suffix}`, count, warm, () =>
            timedRequest(agent, gateway.fileUrl('put.bin'), 'PUT', 201, small),
          ),
        );
      } finally {
        agent.destroy();
        await gateway.stop();
        stops.pop();
      }

      // curl: a fresh FTP connection (connect, login, …) per fetch.
      const tlsArgs = tls ? ['--ssl-reqd', '-k'] : [];
      const curlTimes = async (args: string[], expect: number[]): Promise<number> =>
        (await curlTransfer([...tlsArgs, ...args], expect, 'curl through the latency proxy')).seconds * 1000;
      const curlWarm = 1;
      add(
        'get',
        'curl ftp://',
        tls,
        await series(`GET 1 KiB, curl ftp://${suffix}`, curlCount, curlWarm, () => curlTimes([ftpUrl(far, 'small.bin')], [226])),
      );
      add(
        'list',
        'curl ftp://',
        tls,
        await series(`list ${LIST_ENTRIES}, curl ftp://${suffix}`, curlCount, curlWarm, () => curlTimes([ftpUrl(far, 'list/')], [226])),
      );
      add(
        'put',
        'curl ftp://',
        tls,
        await series(`PUT 1 KiB, curl -T ftp://${suffix}`, curlCount, curlWarm, () =>
          curlTimes(['-T', join(server.root, 'small.bin'), ftpUrl(far, 'put-curl.bin')], [226]),
        ),
      );

      // rclone serve http (its directory cache answers listings and sizes after the warm-up).
      let rclone: Rclone | undefined;
      try {
        rclone = await startRclone(far, { concurrency: 8, explicitTls: tls });
      } catch (error) {
        notes.push(`WAN: rclone serve http${suffix} did not start: ${(error as Error).message.split('\n')[0]}`);
      }
      if (rclone) {
        const r = rclone;
        stops.push(() => r.stop());
        const agent2 = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          add(
            'get',
            'rclone serve http',
            tls,
            await series(`GET 1 KiB, rclone${suffix}`, count, warm, () => timedRequest(agent2, `${r.url}/small.bin`, 'GET', 200)),
          );
          add(
            'head',
            'rclone serve http',
            tls,
            await series(`HEAD, rclone${suffix}`, count, warm, () => timedRequest(agent2, `${r.url}/small.bin`, 'HEAD', 200)),
          );
          add(
            'list',
            'rclone serve http',
            tls,
            await series(`list ${LIST_ENTRIES}, rclone${suffix}`, count, warm, () => timedRequest(agent2, `${r.url}/list/`, 'GET', 200)),
          );
        } finally {
          agent2.destroy();
          await r.stop();
          stops.pop();
        }
      }
    }
    if (!quick) await otherServer(rows, count, warm, build, notes, stops);
    notes.push(
      `WAN: vsftpd behind a latency proxy (bench/latencyProxy.ts) delaying every chunk ${WAN_DELAY_MS} ms each way (RTT ${WAN_RTT_MS} ms), control and passive data connections alike; ${count} sequential requests after ${warm} of warm-up. The proxy cannot delay a client's own connect event (the kernel completes it at once): a client that waits for its data connection before sending RETR loses a round trip on a real link that it does not lose here. rclone serve http answers listings and HEAD from its directory cache once warm; it has no PUT.`,
    );
    return { rttMs: WAN_RTT_MS, rows };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await proxy?.close();
    await server.stop();
  }
}

/**
 * vsftpd and proftpd send a listing's 226 only after a lingering close of
 * the data connection, one round trip after the data; pure-ftpd does not.
 * The same listing and GET against pure-ftpd (its own proxy on 127.0.0.3)
 * show what the gateway takes where the server adds nothing.
 */
async function otherServer(
  rows: WanRow[],
  count: number,
  warm: number,
  build: GatewayBuild,
  notes: string[],
  stops: Array<() => Promise<void>>,
): Promise<void> {
  const availability = ftpServerAvailability('pure-ftpd');
  const why = availability.available ? ftpServerUnsupported('pure-ftpd', { passivePorts: 16 }) : availability.reason;
  if (why !== undefined) {
    notes.push(`WAN: pure-ftpd not measured: ${why}`);
    return;
  }
  const server = await startFtpServer('pure-ftpd', { passivePorts: 16 });
  stops.push(() => server.stop());
  const proxy = await behindProxy(server, '127.0.0.3');
  stops.push(() => proxy.close());
  const gateway = await farGateway(
    build,
    { host: proxy.host, port: server.port, user: server.user, password: server.password },
    '?poolMax=8',
  );
  stops.push(() => gateway.stop());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const client = 'gateway, pure-ftpd';
    rows.push(
      row(
        'get',
        client,
        false,
        await series(`GET 1 KiB, ${client}`, count, warm, () => timedRequest(agent, gateway.fileUrl('small.bin'), 'GET', 200)),
      ),
      row(
        'list',
        client,
        false,
        await series(`list ${LIST_ENTRIES}, ${client}`, count, warm, () => timedRequest(agent, gateway.dirUrl('list'), 'GET', 200)),
      ),
    );
  } finally {
    agent.destroy();
  }
}

function row(op: string, client: string, tls: boolean, times: number[]): WanRow {
  return { op, client, tls, samples: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

/** The WAN fixtures on `server`, and a latency proxy on `listenHost` in front of its control port and passive range. */
async function behindProxy(server: RunningFtpServer, listenHost: string): Promise<LatencyProxy> {
  writeSmallFile(join(server.root, 'small.bin'));
  writeListFolder(join(server.root, 'list'), LIST_ENTRIES);
  const [low, high] = server.passivePorts;
  const ports = [server.port, ...Array.from({ length: high - low + 1 }, (_, i) => low + i)];
  return LatencyProxy.start({ listenHost, upstreamHost: server.host, ports, delayMs: WAN_DELAY_MS });
}

/** A gateway whose one server is `far` (the proxy's address), with `query` options. */
function farGateway(
  build: GatewayBuild,
  far: { host: string; port: number; user: string; password: string },
  query: string,
): Promise<GatewayProcess> {
  return GatewayProcess.start(
    build,
    `ftp://${encodeURIComponent(far.user)}:${encodeURIComponent(far.password)}@${far.host}:${far.port}/${query}`,
  );
}

/** The WAN targets: p50 of the gateway in clear, in round trips + a 5 ms allowance. */
export const WAN_GOALS: Record<string, number> = { get: 2, list: 2, head: 1, put: 4 };

export function wanMedianOf(rows: readonly WanRow[], op: string, client: string, tls: boolean): WanRow | undefined {
  return rows.find((r) => r.op === op && r.client === client && r.tls === tls);
}
