/**
 * Load test: N concurrent clients send mixed requests (PUT, GET, Range GET,
 * list, move, delete; active and passive; binary and ASCII) through the
 * gateway — its own process, src/main.ts configured by environment — to a
 * real vsftpd behind the fault proxy (which only counts here), for a given
 * time. Every client works in a folder of its own and knows what it holds,
 * so every answer is checked, not just its status.
 *
 *   npx tsx scripts/load.ts --duration 60 --concurrency 200 --pool 8 [--warmup 10]
 *
 * Afterwards: every file still held downloads byte-identical (and matches
 * the disk), no temporary is left behind, the server never saw more control
 * connections than the pool max, the pool is idle again, and the gateway's
 * RSS at the end is within 20% of its peak during the warm-up. Exit code 1 if
 * any of that fails. The reliability suite runs a short version
 * (test/reliability/load.test.ts).
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FaultProxy } from '../test/helpers/faultProxy.js';
import { startFtpServer } from '../test/helpers/servers/index.js';
import { GatewayProcess } from '../test/helpers/gatewayProcess.js';
import { SecretScan } from '../test/reliability/summary.js';

export interface LoadOptions {
  durationSec: number;
  concurrency: number;
  pool: number;
  /** Seconds of the same load before the RSS baseline is taken. */
  warmupSec: number;
  log?: (line: string) => void;
}

export interface LoadResult {
  clients: number;
  seconds: number;
  pool: number;
  /** Requests in the measured phase (after warm-up). */
  requests: number;
  warmupRequests: number;
  byOp: Record<string, number>;
  documented503: number;
  unexpectedErrors: number;
  unexpectedSamples: string[];
  filesVerified: number;
  leftovers: string[];
  peakControls: number;
  poolIdle: boolean;
  rssWarm: number;
  rssEnd: number;
  secretsScanned: number;
  leaks: string[];
}

const API = '/api/v1/servers/default';
const API_KEY = 'load-test-key-5e7d9c1b3a';
const MAX_FILES_PER_CLIENT = 4;

interface Held {
  content: Buffer;
  ascii: boolean;
}

interface Reply {
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

class Client {
  readonly #id: number;
  readonly #request: (method: string, path: string, body?: Buffer | string, headers?: Record<string, string>) => Promise<Reply>;
  readonly #onUnexpected: (what: string) => void;
  readonly #on503: () => void;
  readonly files = new Map<string, Held>();
  #seq = 0;

  constructor(
    id: number,
    request: (method: string, path: string, body?: Buffer | string, headers?: Record<string, string>) => Promise<Reply>,
    onUnexpected: (what: string) => void,
    on503: () => void,
  ) {
    this.#id = id;
    this.#request = request;
    this.#onUnexpected = onUnexpected;
    this.#on503 = on503;
  }

  get dir(): string {
    return `c${this.#id}`;
  }

  /** One random operation; returns its name. */
  async step(): Promise<string> {
    const names = [...this.files.keys()];
    const pick = (): string => names[randomInt(names.length)] as string;
    const mode = Math.random() < 0.5 ? 'active' : 'passive';
    const r = Math.random();
    if (names.length === 0 || (r < 0.2 && names.length < MAX_FILES_PER_CLIENT)) return this.#put(this.#newName(), mode);
    if (r < 0.25) return this.#put(pick(), mode);
    if (r < 0.5) return this.#get(pick(), mode);
    if (r < 0.65) return this.#range(pick(), mode);
    if (r < 0.8) return this.#list(mode);
    if (r < 0.9) return this.#move(pick());
    return this.#delete(pick());
  }

  #newName(): string {
    return `f${this.#seq++}.${Math.random() < 0.3 ? 'txt' : 'bin'}`;
  }

  /** True when the answer is what `expected` says; a documented 503 is counted, anything else is unexpected. */
  #check(op: string, res: Reply, expected: number): boolean {
    if (res.status === expected) return true;
    if (res.status === 503 && /FTP_POOL_TIMEOUT/.test(res.body.toString())) {
      this.#on503();
      return false;
    }
    this.#onUnexpected(`${op} ${this.dir}: ${res.status} ${res.body.toString().slice(0, 160)}`);
    return false;
  }

  async #put(name: string, mode: string): Promise<string> {
    const ascii = name.endsWith('.txt');
    const content = ascii
      ? Buffer.from(Array.from({ length: randomInt(1, 400) }, () => randomBytes(randomInt(0, 40)).toString('base64')).join('\n') + '\n')
      : randomBytes(randomInt(1, 64 * 1024));
    const res = await this.#request('PUT', `${API}/files/${this.dir}/${name}?mode=${mode}${ascii ? '&type=ascii' : ''}`, content);
    if (this.#check('PUT', res, 201)) this.files.set(name, { content, ascii });
    return 'put';
  }

  async #get(name: string, mode: string): Promise<string> {
    const held = this.files.get(name) as Held;
    const res = await this.#request('GET', `${API}/files/${this.dir}/${name}?mode=${mode}${held.ascii ? '&type=ascii&eol=lf' : ''}`);
    if (this.#check('GET', res, 200) && !res.body.equals(held.content)) this.#onUnexpected(`GET ${this.dir}/${name}: content differs`);
    return 'get';
  }

  async #range(name: string, mode: string): Promise<string> {
    const held = this.files.get(name) as Held;
    if (held.ascii) return this.#get(name, mode);
    const size = held.content.length;
    const start = randomInt(size);
    const end = randomInt(start, size);
    const res = await this.#request('GET', `${API}/files/${this.dir}/${name}?mode=${mode}`, undefined, { range: `bytes=${start}-${end}` });
    if (this.#check('Range GET', res, 206) && !res.body.equals(held.content.subarray(start, end + 1))) {
      this.#onUnexpected(`Range GET ${this.dir}/${name} ${start}-${end}: content differs`);
    }
    return 'range';
  }

  async #list(mode: string): Promise<string> {
    const res = await this.#request('GET', `${API}/dirs/${this.dir}?mode=${mode}`);
    if (!this.#check('list', res, 200)) return 'list';
    const listed = (JSON.parse(res.body.toString()) as { entries: Array<{ name: string; size: number | null }> }).entries;
    const want = [...this.files.keys()].sort().join(',');
    const got = listed
      .map((e) => e.name)
      .sort()
      .join(',');
    if (want !== got) this.#onUnexpected(`list ${this.dir}: [${got}] instead of [${want}]`);
    return 'list';
  }

  async #move(name: string): Promise<string> {
    const to = this.#newName().replace(/\.(txt|bin)$/, name.endsWith('.txt') ? '.txt' : '.bin');
    const res = await this.#request('POST', `${API}/move`, JSON.stringify({ from: `${this.dir}/${name}`, to: `${this.dir}/${to}` }), {
      'content-type': 'application/json',
    });
    if (this.#check('move', res, 200)) {
      this.files.set(to, this.files.get(name) as Held);
      this.files.delete(name);
    }
    return 'move';
  }

  async #delete(name: string): Promise<string> {
    const res = await this.#request('DELETE', `${API}/files/${this.dir}/${name}`);
    if (this.#check('delete', res, 204)) this.files.delete(name);
    return 'delete';
  }

  /** Downloads every held file and compares it with what was uploaded and with the disk. */
  async verify(root: string): Promise<number> {
    let verified = 0;
    for (const [name, held] of this.files) {
      const res = await this.#request('GET', `${API}/files/${this.dir}/${name}${held.ascii ? '?type=ascii&eol=lf' : ''}`);
      const disk = join(root, this.dir, name);
      const onDisk = existsSync(disk) ? readFileSync(disk) : null;
      // vsftpd without ascii_*_enable stores the CRLF network form as is.
      const expectedDisk = held.ascii ? Buffer.from(held.content.toString('latin1').replace(/\n/g, '\r\n'), 'latin1') : held.content;
      if (res.status !== 200 || sha(res.body) !== sha(held.content))
        this.#onUnexpected(`verify ${this.dir}/${name}: ${res.status}, content differs`);
      else if (onDisk === null || sha(onDisk) !== sha(expectedDisk)) this.#onUnexpected(`verify ${this.dir}/${name}: disk differs`);
      else verified++;
    }
    return verified;
  }
}

function poolGauges(metrics: string): { busy: number; waiting: number } {
  const value = (re: RegExp): number => Number(re.exec(metrics)?.[1] ?? NaN);
  return {
    busy: value(/^ftp_pool_sessions\{[^}]*state="busy"[^}]*\} (\S+)/m),
    waiting: value(/^ftp_pool_waiting\{[^}]*\} (\S+)/m),
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const log = options.log ?? (() => undefined);
  const ftp = await startFtpServer('vsftpd', { passivePorts: Math.max(64, options.pool * 4) });
  const proxy = await FaultProxy.start({ upstreamHost: ftp.host, upstreamPort: ftp.port });
  const scan = new SecretScan([ftp.password, API_KEY]);
  let gateway: GatewayProcess | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  try {
    gateway = await GatewayProcess.start({
      scan,
      env: {
        FTP_URL: `ftp://${ftp.user}:${encodeURIComponent(ftp.password)}@127.0.0.1:${proxy.port}/?poolMax=${options.pool}`,
        API_KEYS: API_KEY,
        LOG_LEVEL: 'info',
      },
    });
    const port = gateway.port;
    const request = (method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Reply> =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, method, path, agent, headers: { authorization: `Bearer ${API_KEY}`, ...headers } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const reply = { status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers };
              scan.add(reply.body);
              resolve(reply);
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    const unexpected: string[] = [];
    let unexpectedCount = 0;
    let documented503 = 0;
    const byOp: Record<string, number> = {};
    const onUnexpected = (what: string): void => {
      unexpectedCount++;
      if (unexpected.length < 20) unexpected.push(what);
    };
    const clients = Array.from({ length: options.concurrency }, (_, i) => new Client(i, request, onUnexpected, () => documented503++));

    let counting = false;
    let requests = 0;
    let warmupRequests = 0;
    let stopAt = 0;
    const runClient = async (c: Client): Promise<void> => {
      while (Date.now() < stopAt) {
        try {
          const op = await c.step();
          if (counting) {
            requests++;
            byOp[op] = (byOp[op] ?? 0) + 1;
          } else warmupRequests++;
        } catch (error) {
          onUnexpected(`${c.dir}: ${(error as Error).message}`);
        }
      }
    };

    proxy.resetCounters();
    log(`warm-up: ${options.concurrency} clients for ${options.warmupSec} s`);
    stopAt = Date.now() + options.warmupSec * 1000;
    // The baseline is the warm-up's peak, not one sample: a single reading can fall just after a
    // collection and make steady state look like growth.
    const running = gateway;
    let rssWarm = running.rss();
    const sampler = setInterval(() => (rssWarm = Math.max(rssWarm, running.rss())), 250);
    await Promise.all(clients.map(runClient));
    clearInterval(sampler);
    rssWarm = Math.max(rssWarm, running.rss());
    log(`gateway RSS after warm-up: ${(rssWarm / 2 ** 20).toFixed(1)} MiB; load: ${options.durationSec} s`);
    counting = true;
    stopAt = Date.now() + options.durationSec * 1000;
    const started = Date.now();
    await Promise.all(clients.map(runClient));
    const seconds = (Date.now() - started) / 1000;
    const documented503InRun = documented503;

    // Every held file, byte for byte, over HTTP and on disk (8 clients at a time).
    let filesVerified = 0;
    for (let i = 0; i < clients.length; i += 8) {
      const counts = await Promise.all(clients.slice(i, i + 8).map((c) => c.verify(ftp.root)));
      filesVerified += counts.reduce((a, b) => a + b, 0);
    }
    // Nothing but the held files on disk: no temporaries, no stray names.
    const leftovers: string[] = [];
    for (const c of clients) {
      const dir = join(ftp.root, c.dir);
      const onDisk = existsSync(dir) ? readdirSync(dir) : [];
      for (const name of onDisk) if (!c.files.has(name)) leftovers.push(`${c.dir}/${name}`);
    }

    // The pool returns to idle.
    let poolIdle = false;
    for (let i = 0; i < 100 && !poolIdle; i++) {
      const g = poolGauges((await request('GET', '/metrics')).body.toString());
      poolIdle = g.busy === 0 && g.waiting === 0;
      if (!poolIdle) await new Promise((r) => setTimeout(r, 100));
    }
    agent.destroy();
    await new Promise((r) => setTimeout(r, 1000));
    const rssEnd = gateway.rss();

    return {
      clients: options.concurrency,
      seconds: Math.round(seconds),
      pool: options.pool,
      requests,
      warmupRequests,
      byOp,
      documented503: documented503InRun,
      unexpectedErrors: unexpectedCount,
      unexpectedSamples: unexpected,
      filesVerified,
      leftovers,
      peakControls: proxy.peakControls,
      poolIdle,
      rssWarm,
      rssEnd,
      secretsScanned: scan.bytesScanned,
      leaks: scan.leaks,
    };
  } finally {
    agent.destroy();
    await gateway?.stop();
    await proxy.close();
    await ftp.stop();
  }
}

/** The invariants, as messages (empty when everything held). */
export function loadFailures(r: LoadResult): string[] {
  const out: string[] = [];
  if (r.unexpectedErrors > 0) out.push(`${r.unexpectedErrors} unexpected errors, e.g. ${r.unexpectedSamples.slice(0, 3).join(' | ')}`);
  if (r.filesVerified === 0) out.push('no file verified');
  if (r.leftovers.length > 0) out.push(`left on the server: ${r.leftovers.slice(0, 5).join(', ')}`);
  if (r.peakControls > r.pool) out.push(`the server saw ${r.peakControls} control connections at once (pool max ${r.pool})`);
  if (!r.poolIdle) out.push('the pool did not return to idle');
  if (r.rssEnd > r.rssWarm * 1.2) out.push(`RSS grew from ${mib(r.rssWarm)} to ${mib(r.rssEnd)} MiB (> 20%)`);
  if (r.leaks.length > 0) out.push(`secrets in the output: ${r.leaks.join(', ')}`);
  return out;
}

const mib = (b: number): string => (b / 2 ** 20).toFixed(1);

export function loadSummaryLine(r: LoadResult): string {
  return `load: ${r.clients} clients, ${r.seconds} s, pool ${r.pool}, ${r.requests} requests, ${r.unexpectedErrors} unexpected errors, ${r.documented503} documented 503, ${r.filesVerified} files verified, peak ${r.peakControls} control connections, RSS ${mib(r.rssWarm)} → ${mib(r.rssEnd)} MiB`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '200' },
      pool: { type: 'string', default: '8' },
      warmup: { type: 'string' },
    },
  });
  const durationSec = Number(values.duration);
  const result = await runLoad({
    durationSec,
    concurrency: Number(values.concurrency),
    pool: Number(values.pool),
    warmupSec: values.warmup !== undefined ? Number(values.warmup) : Math.min(10, Math.max(2, durationSec / 4)),
    log: (line) => console.log(line),
  });
  console.log(`requests by operation: ${JSON.stringify(result.byOp)} (+${result.warmupRequests} during warm-up)`);
  console.log(loadSummaryLine(result));
  const failures = loadFailures(result);
  for (const f of failures) console.log(`FAIL: ${f}`);
  process.exit(failures.length === 0 ? 0 : 1);
}
