/**
 * `npm run bench [-- --quick]`: the gateway beside direct FTP and beside
 * rclone, in one run, on loopback (issue 5). Starts vsftpd (the test
 * launcher), the gateway as its own Node process, and the peers; measures
 * every variant side by side, alternating runs, and reports medians and
 * ratios; prints PASS/FAIL per target and writes RESULTS.md + results.json.
 *
 * Exit status: non-zero when a measurement itself fails (a transfer errors,
 * a byte count is wrong). A FAILed target fails a full run (exit 2) but never
 * a --quick run, which only checks that the benchmark works.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFtpServer, type RunningFtpServer } from '../test/helpers/servers/index.js';
import { conditionalPhase, conditionalTarget } from './conditional.js';
import { curlTransfer, ftpUrl, type CurlSample } from './curl.js';
import { writeListFolder, writeRandomFile, writeSmallFile, writeTextFile } from './fixtures.js';
import { GatewayProcess, prepareGateway, type GatewayBuild } from './gateway.js';
import { directCeiling, loadTest, startRclone, warmUp, type CeilingResult, type LoadResult, type Rclone } from './load.js';
import { parseOptions, type BenchOptions } from './options.js';
import { killAll, runCommand, sleep } from './processes.js';
import { startBareRelay, type BareRelay } from './bareRelayProcess.js';
import { printTargets, renderMarkdown, type Results, type Target, type Throughput } from './report.js';
import { fmt, median, MiB } from './stats.js';
import { WAN_GOALS, wanMedianOf, wanPhase } from './wan.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const projectDir = resolve(benchDir, '..');

const log = (line: string): void => void process.stdout.write(`${line}\n`);

interface Context {
  options: BenchOptions;
  server: RunningFtpServer;
  gateway: GatewayProcess;
  build: GatewayBuild;
  files: { big: string; text: string; small: string; smallData: Buffer };
  notes: string[];
  /** The bare relay (splice, no HTTP) in front of the server, when python3 is there. */
  relay: BareRelay | undefined;
}

// ---------------------------------------------------------------- throughput

interface Variant {
  label: string;
  /** Runs one transfer; returns MB/s. */
  run(): Promise<number>;
  /** After each run (removing an uploaded file). */
  after?(): void;
}

/** Every variant once per round, `repeats` rounds: alternating, so drift hits all alike. */
async function alternate(title: string, variants: readonly Variant[], repeats: number): Promise<Throughput[]> {
  const runs = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  for (let round = 1; round <= repeats; round++) {
    for (const variant of variants) {
      try {
        const mbps = await variant.run();
        runs.get(variant.label)?.push(mbps);
        log(`  ${title} ${round}/${repeats}  ${variant.label.padEnd(36)} ${fmt(mbps).padStart(6)} MB/s`);
      } finally {
        variant.after?.();
      }
    }
  }
  return variants.map((v) => {
    const r = runs.get(v.label) ?? [];
    return { label: v.label, runs: r, median: median(r) };
  });
}

/**
 * MB/s of `expected` bytes (the file's size) over curl's total time. 'down'
 * must move exactly that many bytes; 'up' and 'text-down' at least that many
 * (multipart framing; curl's own ASCII download keeps CRLF).
 */
function expectBytes(sample: CurlSample, expected: number, label: string, direction: 'down' | 'up' | 'text-down'): number {
  const moved = direction === 'up' ? sample.bytesUp : sample.bytesDown;
  if (direction === 'down' ? moved !== expected : moved < expected) throw new Error(`${label}: moved ${moved} bytes, expected ${expected}`);
  return expected / sample.seconds / 1e6;
}

async function downloadPhase(ctx: Context): Promise<Throughput[]> {
  const { gateway, server, options } = ctx;
  const size = options.bigBytes;
  const gw = (mode: string): Variant => ({
    label: `gateway, ${mode}`,
    run: async () =>
      expectBytes(
        await curlTransfer([gateway.fileUrl('big.bin', `mode=${mode}`)], [200], `gateway ${mode}`),
        size,
        'gateway download',
        'down',
      ),
  });
  const direct = (mode: string): Variant => ({
    label: `curl ftp://, ${mode}`,
    run: async () =>
      expectBytes(
        await curlTransfer([...(mode === 'active' ? ['-P', '127.0.0.1'] : []), ftpUrl(server, 'big.bin')], [226], `direct ${mode}`),
        size,
        'direct download',
        'down',
      ),
  });
  const relayed: Variant[] = ctx.relay
    ? [
        {
          label: 'curl ftp:// through the bare relay, passive',
          run: async () =>
            expectBytes(
              await curlTransfer([ftpUrl({ ...server, host: ctx.relay!.host }, 'big.bin')], [226], 'bare relay download'),
              size,
              'bare relay download',
              'down',
            ),
        },
      ]
    : [];
  return alternate('download', [gw('passive'), direct('passive'), ...relayed, gw('active'), direct('active')], options.repeats);
}

async function uploadPhase(ctx: Context): Promise<Throughput[]> {
  const { gateway, server, options, files } = ctx;
  const size = options.bigBytes;
  const remove = (name: string) => () => rmSync(join(server.root, name), { force: true });
  const put = (mode: string): Variant => ({
    label: `gateway PUT, ${mode}`,
    run: async () =>
      expectBytes(
        await curlTransfer(['-T', files.big, gateway.fileUrl('up-gw.bin', `mode=${mode}`)], [201], `gateway PUT ${mode}`),
        size,
        'gateway PUT',
        'up',
      ),
    after: remove('up-gw.bin'),
  });
  const direct = (mode: string): Variant => ({
    label: `curl -T ftp://, ${mode}`,
    run: async () =>
      expectBytes(
        await curlTransfer(
          [...(mode === 'active' ? ['-P', '127.0.0.1'] : []), '-T', files.big, ftpUrl(server, 'up-direct.bin')],
          [226],
          `direct upload ${mode}`,
        ),
        size,
        'direct upload',
        'up',
      ),
    after: remove('up-direct.bin'),
  });
  const multipart: Variant = {
    label: 'gateway multipart POST, passive',
    run: async () =>
      expectBytes(
        await curlTransfer(
          ['-F', `file=@${files.big};filename=up-mp.bin`, `${gateway.url}/api/v1/servers/default/files/?mode=passive`],
          [201],
          'multipart POST',
        ),
        size,
        'multipart POST',
        'up',
      ),
    after: remove('up-mp.bin'),
  };
  const relayed: Variant[] = ctx.relay
    ? [
        {
          label: 'curl -T ftp:// through the bare relay, passive',
          run: async () =>
            expectBytes(
              await curlTransfer(
                ['-T', files.big, ftpUrl({ ...server, host: ctx.relay!.host }, 'up-relay.bin')],
                [226],
                'bare relay upload',
              ),
              size,
              'bare relay upload',
              'up',
            ),
          after: remove('up-relay.bin'),
        },
      ]
    : [];
  return alternate('upload', [put('passive'), direct('passive'), ...relayed, put('active'), direct('active'), multipart], options.repeats);
}

async function asciiPhase(ctx: Context): Promise<Throughput[]> {
  const { gateway, server, options, files } = ctx;
  const size = options.textBytes;
  // ASCII can only pass through JavaScript (the kernel relay carries binary
  // downloads only), so binary is measured both ways: through the relay, and
  // through the same stream path as ASCII on a gateway with the relay off.
  const streamed = await GatewayProcess.start(ctx.build, `${server.url()}?poolMax=${options.poolMax}&kernelRelay=false`);
  const down = (type: string, through = gateway, suffix = ''): Variant => ({
    label: `gateway download, ${type}${suffix}`,
    run: async () =>
      expectBytes(
        await curlTransfer([through.fileUrl('text.txt', `type=${type}&mode=passive`)], [200], `gateway ${type} download`),
        size,
        `${type} download`,
        'down',
      ),
  });
  const up = (type: string): Variant => ({
    label: `gateway upload, ${type}`,
    // Uploads in ASCII go out as CRLF: more bytes than the file; the rate is of the file's size.
    run: async () =>
      expectBytes(
        await curlTransfer(
          ['-T', files.text, gateway.fileUrl('up-text.txt', `type=${type}&mode=passive`)],
          [201],
          `gateway ${type} upload`,
        ),
        size,
        `${type} upload`,
        'up',
      ),
    after: () => rmSync(join(server.root, 'up-text.txt'), { force: true }),
  });
  const direct: Variant = {
    label: 'curl ftp://;type=a download',
    run: async () =>
      expectBytes(
        await curlTransfer([ftpUrl(server, 'text.txt;type=a')], [226], 'direct ascii download'),
        size,
        'direct ascii download',
        'text-down',
      ),
  };
  try {
    return await alternate(
      'ascii',
      [down('ascii'), down('binary'), down('binary', streamed, ' (stream path, relay off)'), up('ascii'), up('binary'), direct],
      options.repeats,
    );
  } finally {
    await streamed.stop();
  }
}

// ---------------------------------------------------------------- small files

function checkLoad(result: LoadResult, label: string): LoadResult {
  if (result.ok === 0) throw new Error(`${label}: no request succeeded (${result.failed} failed)`);
  const cpu = result.cpuMsPerRequest === null ? '' : `  CPU ${fmt(result.cpuMsPerRequest, 2)} ms/req`;
  log(
    `  ${label.padEnd(30)} c=${String(result.connections).padStart(3)}  ${fmt(result.requestsPerSecond).padStart(6)} req/s  p50 ${fmt(result.p50Ms, 1)} ms  p99 ${fmt(result.p99Ms, 1)} ms  failed ${result.failed}${cpu}`,
  );
  return result;
}

async function smallPhase(ctx: Context): Promise<NonNullable<Results['small']>> {
  const { gateway, server, options, files } = ctx;
  const seconds = options.loadSeconds;
  const getUrl = gateway.fileUrl('small.bin');
  const putUrl = gateway.fileUrl('put-small.bin');
  const put = { method: 'PUT' as const, body: files.smallData };
  // Sanity: the bytes are the file's.
  const body = Buffer.from(await (await fetch(getUrl)).arrayBuffer());
  if (!body.equals(files.smallData)) throw new Error('small GET returned other bytes than the file');

  let rclone: Rclone | undefined;
  try {
    rclone = await startRclone(server, { concurrency: options.poolMax });
  } catch (error) {
    ctx.notes.push(`rclone serve http did not start: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!rclone) ctx.notes.push('rclone is not installed: the rclone comparison was skipped (apt-get install -y rclone).');
  try {
    const warm = options.quick ? 1 : 3;
    await warmUp(putUrl, put, warm);
    if (rclone) await warmUp(`${rclone.url}/small.bin`, {}, warm);
    await warmUp(getUrl, {}, warm);
    const gw = gateway.child.pid;
    const logins = async (): Promise<number> => (await server.commandLog()).filter((c) => c.startsWith('USER ')).length;
    let rcloneLogins = 0;

    // Per-process RETR count sized for about `seconds` at ~150 RETR/s each.
    const perProcess = Math.max(50, Math.round(150 * seconds));
    const at32: NonNullable<Results['small']>['at32'] = { gateway: [], ceiling: [], rclone: [] };
    const target = 32;
    const rounds = options.quick ? 1 : options.repeats;
    for (let round = 1; round <= rounds; round++) {
      at32.gateway.push(checkLoad(await loadTest(getUrl, target, seconds, {}, gw), `GET gateway (${round}/${rounds})`));
      const ceiling = await directCeiling(server, 'small.bin', options.poolMax, perProcess);
      log(
        `  direct ceiling (${round}/${rounds})         ${options.poolMax} curl  ${fmt(ceiling.requestsPerSecond).padStart(6)} req/s  p50 ${fmt(ceiling.p50Ms, 1)} ms  p99 ${fmt(ceiling.p99Ms, 1)} ms`,
      );
      at32.ceiling.push(ceiling);
      if (rclone) {
        const before = await logins();
        at32.rclone.push(
          checkLoad(await loadTest(`${rclone.url}/small.bin`, target, seconds, {}, rclone.pid), `GET rclone (${round}/${rounds})`),
        );
        rcloneLogins = Math.max(rcloneLogins, (await logins()) - before);
      }
    }

    const get: LoadResult[] = [];
    const rcloneRows: LoadResult[] = [];
    for (const c of options.concurrency) {
      get.push(c === target ? medianLoad(at32.gateway) : checkLoad(await loadTest(getUrl, c, seconds, {}, gw), 'GET gateway'));
      if (rclone) {
        if (c === target) rcloneRows.push(medianLoad(at32.rclone));
        else if (!options.quick)
          rcloneRows.push(checkLoad(await loadTest(`${rclone.url}/small.bin`, c, seconds, {}, rclone.pid), 'GET rclone'));
      }
    }
    const putRows: LoadResult[] = [];
    for (const c of options.concurrency) putRows.push(checkLoad(await loadTest(putUrl, c, seconds, put, gw), 'PUT gateway'));
    return {
      get,
      put: putRows,
      at32,
      ceiling: medianCeiling(at32.ceiling),
      rclone: rclone ? rcloneRows : null,
      rcloneVersion: rclone?.version ?? null,
      rcloneLogins: rclone ? rcloneLogins : null,
    };
  } finally {
    await rclone?.stop();
  }
}

/** The run with the median rate (its latencies go with it). */
function medianLoad(rows: readonly LoadResult[]): LoadResult {
  const sorted = [...rows].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!mid) throw new Error('no load results');
  return mid;
}

function medianCeiling(rows: readonly CeilingResult[]): CeilingResult {
  const sorted = [...rows].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!mid) throw new Error('no ceiling results');
  return mid;
}

// ---------------------------------------------------------------- listing

async function listPhase(ctx: Context): Promise<NonNullable<Results['list']>> {
  const { gateway, server, options } = ctx;
  const url = gateway.dirUrl('list', 'mode=passive');
  const response = await fetch(url);
  const body = (await response.json()) as { entries?: unknown[] };
  if (response.status !== 200 || body.entries?.length !== options.listEntries) {
    throw new Error(`listing: status ${response.status}, ${body.entries?.length} entries, expected ${options.listEntries}`);
  }
  const gw: CurlSample[] = [];
  const direct: CurlSample[] = [];
  for (let round = 1; round <= options.repeats; round++) {
    gw.push(await curlTransfer([url], [200], 'gateway listing'));
    direct.push(await curlTransfer([ftpUrl(server, 'list/')], [226], 'direct LIST'));
    log(
      `  list ${round}/${options.repeats}  gateway ttfb ${fmt(gw.at(-1)!.ttfb * 1000, 1)} ms total ${fmt(gw.at(-1)!.seconds * 1000, 1)} ms; curl LIST ttfb ${fmt(direct.at(-1)!.ttfb * 1000, 1)} ms total ${fmt(direct.at(-1)!.seconds * 1000, 1)} ms`,
    );
  }
  const headers = gw[0]?.headers ?? '';
  const contentLength = /^content-length:\s*(\d+)/im.exec(headers)?.[1] ?? null;
  const chunked = /^transfer-encoding:\s*chunked/im.test(headers);
  return {
    entries: options.listEntries,
    gatewayTtfbMs: median(gw.map((s) => s.ttfb * 1000)),
    gatewayTotalMs: median(gw.map((s) => s.seconds * 1000)),
    directTtfbMs: median(direct.map((s) => s.ttfb * 1000)),
    directTotalMs: median(direct.map((s) => s.seconds * 1000)),
    streamed: chunked && contentLength === null,
    contentLength,
  };
}

// ---------------------------------------------------------------- memory and logins

async function loginsPhase(ctx: Context): Promise<NonNullable<Results['logins']>> {
  const { server, options } = ctx;
  const countLogins = async (): Promise<number> => (await server.commandLog()).filter((c) => c.startsWith('USER ')).length;
  const gateway = await GatewayProcess.start(ctx.build, `${server.url()}?poolMax=${options.poolMax}`);
  try {
    const before = await countLogins();
    const url = gateway.fileUrl('small.bin');
    for (let i = 0; i < options.sequentialGets; i++) {
      const response = await fetch(url);
      const data = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200 || data.length !== ctx.files.smallData.length)
        throw new Error(`sequential GET ${i}: status ${response.status}, ${data.length} bytes`);
    }
    // vsftpd writes its log as commands arrive; give the last line a moment.
    await sleep(200);
    const logins = (await countLogins()) - before;
    log(`  ${options.sequentialGets} sequential GETs: ${logins} logins`);
    return { requests: options.sequentialGets, logins, poolMax: options.poolMax };
  } finally {
    await gateway.stop();
  }
}

async function memoryPhase(ctx: Context): Promise<NonNullable<Results['memory']>> {
  const { server, options, files } = ctx;
  // 16 transfers at once, each holding its session for the whole file: with
  // fewer sessions the rest would wait past acquireTimeoutMs and get 503.
  const each = 8;
  const poolMax = Math.max(options.poolMax, each * 2);
  const gateway = await GatewayProcess.start(ctx.build, `${server.url()}?poolMax=${poolMax}`);
  const names: string[] = [];
  try {
    // One small request first: the baseline is a gateway that has served.
    await (await fetch(gateway.fileUrl('small.bin'))).arrayBuffer();
    const baseline = gateway.memory().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, gateway.memory().rss);
      } catch {
        // the process is gone: the transfers will report it
      }
    }, 100);
    const started = performance.now();
    const jobs: Promise<CurlSample>[] = [];
    try {
      for (let i = 0; i < each; i++) {
        const mode = i % 2 === 0 ? 'passive' : 'active';
        jobs.push(curlTransfer([gateway.fileUrl('big.bin', `mode=${mode}`)], [200], `memory download ${i}`));
        const name = `mem-up-${i}.bin`;
        names.push(name);
        jobs.push(curlTransfer(['-T', files.big, gateway.fileUrl(name, `mode=${mode}`)], [201], `memory upload ${i}`));
      }
      const samples = await Promise.all(jobs);
      for (const [i, s] of samples.entries()) expectBytes(s, options.bigBytes, `memory transfer ${i}`, i % 2 === 0 ? 'down' : 'up');
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    const { hwm } = gateway.memory();
    log(
      `  ${each * 2} transfers of ${fmt(options.bigBytes / MiB)} MiB: RSS ${fmt(baseline / MiB, 1)} → peak ${fmt(hwm / MiB, 1)} MiB in ${fmt(seconds, 1)} s`,
    );
    return {
      transfers: each * 2,
      bytesEach: options.bigBytes,
      baselineRssMiB: baseline / MiB,
      peakRssMiB: peak / MiB,
      hwmMiB: hwm / MiB,
      seconds,
    };
  } finally {
    await gateway.stop();
    for (const name of names) rmSync(join(server.root, name), { force: true });
    // An aborted atomic upload may leave its temporary file: remove those too.
    for (const entry of readdirSync(server.root)) if (entry.endsWith('.ftpgw-part')) rmSync(join(server.root, entry), { force: true });
  }
}

// ---------------------------------------------------------------- targets

function judge(results: Results, options: BenchOptions): Target[] {
  const targets: Target[] = [];
  const ratio = (rows: Throughput[] | undefined, a: string, b: string): number | undefined => {
    const x = rows?.find((r) => r.label === a);
    const y = rows?.find((r) => r.label === b);
    return x && y ? x.median / y.median : undefined;
  };
  const ratioTarget = (name: string, value: number | undefined, goal: number, what: string): void => {
    targets.push({
      name,
      goal: `≥ ${goal.toFixed(2)}× ${what}`,
      measured: value === undefined ? 'not measured' : `${value.toFixed(2)}×`,
      pass: value === undefined ? null : value >= goal,
    });
  };
  if (results.download) {
    if (results.download.some((r) => r.label === 'curl ftp:// through the bare relay, passive'))
      ratioTarget(
        'download, passive, vs the bare relay',
        ratio(results.download, 'gateway, passive', 'curl ftp:// through the bare relay, passive'),
        0.9,
        'bare relay (splice, no HTTP)',
      );
    ratioTarget('download, passive', ratio(results.download, 'gateway, passive', 'curl ftp://, passive'), 0.9, 'direct curl');
    ratioTarget('download, active', ratio(results.download, 'gateway, active', 'curl ftp://, active'), 0.9, 'direct curl');
  }
  if (results.upload) {
    if (results.upload.some((r) => r.label === 'curl -T ftp:// through the bare relay, passive'))
      ratioTarget(
        'upload PUT, passive, vs the bare relay',
        ratio(results.upload, 'gateway PUT, passive', 'curl -T ftp:// through the bare relay, passive'),
        0.8,
        'bare relay (splice, no HTTP)',
      );
    ratioTarget('upload PUT, passive', ratio(results.upload, 'gateway PUT, passive', 'curl -T ftp://, passive'), 0.9, 'direct curl -T');
    ratioTarget('upload PUT, active', ratio(results.upload, 'gateway PUT, active', 'curl -T ftp://, active'), 0.9, 'direct curl -T');
  }
  if (results.ascii) {
    ratioTarget(
      'ASCII download',
      ratio(results.ascii, 'gateway download, ascii', 'gateway download, binary'),
      0.5,
      'binary through the gateway',
    );
    ratioTarget(
      'ASCII download, vs binary on the same stream path',
      ratio(results.ascii, 'gateway download, ascii', 'gateway download, binary (stream path, relay off)'),
      0.5,
      'binary through the gateway with the kernel relay off',
    );
    ratioTarget('ASCII upload', ratio(results.ascii, 'gateway upload, ascii', 'gateway upload, binary'), 0.5, 'binary through the gateway');
  }
  if (results.small) {
    const s = results.small;
    const gw = medianLoad(s.at32.gateway);
    const gwRate = median(s.at32.gateway.map((r) => r.requestsPerSecond));
    const ceilingRate = median(s.at32.ceiling.map((r) => r.requestsPerSecond));
    ratioTarget('1 KiB GET at 32 clients vs direct ceiling', gwRate / ceilingRate, 0.7, `direct ceiling (${fmt(ceilingRate)} req/s)`);
    targets[targets.length - 1]!.measured += ` (${fmt(gwRate)} req/s)`;
    if (s.rclone && s.at32.rclone.length > 0) {
      const rcloneRate = median(s.at32.rclone.map((r) => r.requestsPerSecond));
      targets.push({
        name: `1 KiB GET at 32 clients vs rclone serve http, both ${options.poolMax} FTP connections`,
        goal: `≥ 1.00× rclone (${fmt(rcloneRate)} req/s)`,
        measured: `${fmt(gwRate)} req/s (${fmt(gwRate / rcloneRate, 2)}×)`,
        pass: gwRate >= rcloneRate,
      });
    } else {
      targets.push({
        name: '1 KiB GET at 32 clients vs rclone serve http',
        goal: '> rclone',
        measured: 'rclone not installed',
        pass: null,
      });
    }
    targets.push({ name: '1 KiB GET at 32 clients, p99', goal: '< 50 ms', measured: `${fmt(gw.p99Ms, 1)} ms`, pass: gw.p99Ms < 50 });
    const cpu = median(s.at32.gateway.flatMap((r) => (r.cpuMsPerRequest === null ? [] : [r.cpuMsPerRequest])));
    const rcloneCpu = median(s.at32.rclone.flatMap((r) => (r.cpuMsPerRequest === null ? [] : [r.cpuMsPerRequest])));
    targets.push({
      name: 'gateway CPU per 1 KiB GET at 32 clients',
      goal: '≤ 0.50 ms',
      measured: `${fmt(cpu, 2)} ms${Number.isNaN(rcloneCpu) ? '' : ` (rclone ${fmt(rcloneCpu, 2)} ms)`}`,
      pass: Number.isNaN(cpu) ? null : cpu <= 0.5,
    });
  }
  if (results.conditional) targets.push(conditionalTarget(results.conditional));
  if (results.memory) {
    const m = results.memory;
    targets.push({
      name: `peak RSS, ${m.transfers} concurrent ${fmt(m.bytesEach / MiB)} MiB transfers`,
      goal: '≤ 150 MiB',
      measured: `${fmt(m.hwmMiB, 1)} MiB`,
      pass: m.hwmMiB <= 150,
    });
  }
  if (results.logins) {
    const l = results.logins;
    targets.push({
      name: `logins for ${l.requests} sequential GETs`,
      goal: `≤ pool max (${l.poolMax})`,
      measured: String(l.logins),
      pass: l.logins <= l.poolMax,
    });
  }
  if (results.list) {
    const l = results.list;
    const delay = l.gatewayTtfbMs - l.directTtfbMs;
    targets.push({
      name: `listing ${l.entries} entries: first byte`,
      goal: "≤ 500 ms after the server's first listing byte",
      measured: `${delay >= 0 ? '+' : ''}${fmt(delay, 1)} ms (gateway ${fmt(l.gatewayTtfbMs, 1)} ms, curl LIST ${fmt(l.directTtfbMs, 1)} ms)`,
      pass: delay <= 500,
    });
    targets.push({
      name: `listing ${l.entries} entries: streamed`,
      goal: 'streamed, or justified in a note',
      measured: l.streamed ? 'chunked' : `built whole (Content-Length ${l.contentLength ?? '?'})`,
      pass: l.streamed,
      ...(l.streamed ? {} : { note: 'the /dirs route sorts the entries and sends one JSON body' }),
    });
  }
  if (results.wan) {
    const { rows, rttMs } = results.wan;
    for (const [op, rtts] of Object.entries(WAN_GOALS)) {
      const row = wanMedianOf(rows, op, 'gateway', false);
      const goal = rtts * rttMs + 5;
      targets.push({
        name: `WAN ${WAN_NAMES[op] ?? op}, warm pool, p50`,
        goal: `≤ ${rtts} RTT + 5 ms (${goal} ms)`,
        measured: row ? `${fmt(row.p50Ms, 1)} ms (${fmt(row.p50Ms / rttMs, 2)} RTT)` : 'not measured',
        pass: row ? row.p50Ms <= goal : null,
      });
    }
  }
  if (options.quick)
    for (const t of targets) t.note = [t.note, 'quick run: small sizes, not the target conditions'].filter(Boolean).join('; ');
  return targets;
}

const WAN_NAMES: Record<string, string> = { get: '1 KiB GET', head: 'HEAD', list: 'listing 20 entries', put: '1 KiB atomic PUT' };

// ---------------------------------------------------------------- main

async function machineInfo(): Promise<Record<string, string>> {
  const version = async (cmd: string, args: string[]): Promise<string> => {
    try {
      const r = await runCommand(cmd, args);
      return (r.stdout + r.stderr).trim().split('\n')[0] ?? '';
    } catch {
      return 'not installed';
    }
  };
  const memory = `${fmt(totalmem() / 2 ** 30, 1)} GiB`;
  return {
    nproc: String(availableParallelism()),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memory,
    kernel: release(),
    node: process.version,
    curl: (await version('curl', ['--version'])).split(' ').slice(0, 2).join(' '),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
    vsftpd: await version('dpkg-query', ['-W', '-f', '${Version}', 'vsftpd']),
  };
}

function wanted(options: BenchOptions, phase: string): boolean {
  return options.phases.size === 0 || options.phases.has(phase);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), benchDir);
  const cleanups: Array<() => Promise<void> | void> = [];
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`bench: ${signal}: stopping`);
    killAll();
    void (async () => {
      for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
      process.exit(130);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = performance.now();
  try {
    log(
      `ftp-gateway bench${options.quick ? ' (quick)' : ''}: big ${fmt(options.bigBytes / MiB)} MiB, text ${fmt(options.textBytes / MiB)} MiB, ${options.listEntries} list entries, ${options.loadSeconds} s load phases, ${options.repeats} repeats`,
    );
    const build = await prepareGateway(projectDir, options.runtime);
    cleanups.push(() => build.cleanup());
    log(`gateway: ${build.description}`);

    // Passive ports: every small GET opens a data connection; a wide range
    // makes it rarer that a new data connection meets one of vsftpd's TIME_WAIT sockets on the same four-tuple (its SYN is then answered only after a 1 s retransmit: the ~1 s p99 outliers of small transfers, direct or not). ASCII conversion on
    // (vsftpd converts LF↔CRLF like a real text-mode server).
    const server = await startFtpServer('vsftpd', { passivePorts: 1000, ascii: true });
    cleanups.push(() => server.stop());
    const big = join(server.root, 'big.bin');
    const text = join(server.root, 'text.txt');
    const small = join(server.root, 'small.bin');
    const t0 = performance.now();
    const smallData = writeSmallFile(small);
    if (wanted(options, 'download') || wanted(options, 'upload') || wanted(options, 'memory')) await writeRandomFile(big, options.bigBytes);
    if (wanted(options, 'ascii')) await writeTextFile(text, options.textBytes);
    if (wanted(options, 'list')) writeListFolder(join(server.root, 'list'), options.listEntries);
    log(`fixtures written in ${fmt((performance.now() - t0) / 1000, 1)} s (vsftpd on 127.0.0.1:${server.port})`);

    const gateway = await GatewayProcess.start(
      build,
      `${server.url()}?poolMax=${options.poolMax}`,
      options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {},
    );
    cleanups.push(() => gateway.stop());
    const notes: string[] = [];
    let relay: BareRelay | undefined;
    if (wanted(options, 'download') || wanted(options, 'upload')) {
      relay = await startBareRelay(server);
      if (relay) cleanups.push(() => relay?.stop());
      else notes.push('python3 is not installed: the bare relay comparison was skipped.');
    }
    const ctx: Context = { options, server, gateway, build, files: { big, text, small, smallData }, notes, relay };
    const results: Results = {
      date: new Date().toISOString(),
      machine: await machineInfo(),
      settings: {
        'large file': `${fmt(options.bigBytes / MiB)} MiB random`,
        'ASCII file': `${fmt(options.textBytes / MiB)} MiB LF text`,
        repeats: options.repeats,
        'load phase': `${options.loadSeconds} s (autocannon ${autocannonVersion()})`,
        'pool max': options.poolMax,
      },
      gateway: build.description,
      targets: [],
      notes,
    };
    let phaseStart = performance.now();
    const phase = (title: string): void => {
      const now = performance.now();
      log(`${title}  (+${fmt((now - phaseStart) / 1000, 1)} s)`);
      phaseStart = now;
    };
    if (wanted(options, 'download')) {
      phase('1. large download');
      results.download = await downloadPhase(ctx);
    }
    if (wanted(options, 'upload')) {
      phase('2. large upload');
      results.upload = await uploadPhase(ctx);
    }
    if (wanted(options, 'ascii')) {
      phase('3. ASCII');
      results.ascii = await asciiPhase(ctx);
      rmSync(text, { force: true });
    }
    if (wanted(options, 'small')) {
      phase('4. small files');
      results.small = await smallPhase(ctx);
    }
    if (wanted(options, 'conditional')) {
      phase('4b. conditional requests');
      results.conditional = await conditionalPhase(gateway, server, options, log);
    }
    if (wanted(options, 'list')) {
      phase('5. listing');
      results.list = await listPhase(ctx);
    }
    await gateway.stop();
    if (wanted(options, 'logins')) {
      phase('7. pool efficiency (fresh gateway)');
      results.logins = await loginsPhase(ctx);
    }
    if (wanted(options, 'memory')) {
      phase('6. memory (fresh gateway)');
      results.memory = await memoryPhase(ctx);
    }
    if (wanted(options, 'wan')) {
      phase('8. WAN: RTT 20 ms through a latency proxy (own vsftpd, fresh gateways)');
      results.wan = await wanPhase(build, options.quick, notes);
    }
    notes.push(
      'vsftpd runs with ascii_upload_enable/ascii_download_enable: in ASCII type it sends CRLF and the gateway turns it back into LF (eol=lf); uploads go out as CRLF and vsftpd stores LF.',
      'Direct ceiling: one curl process per pooled connection (pool max), each fetching the file many times over its one FTP connection; its latency is per RETR, without HTTP.',
      'The load generator (autocannon, JavaScript) shares the 2 cores with the gateway and vsftpd; the direct ceiling uses curl (C).',
    );
    phase('done');
    results.targets = judge(results, options);
    log('');
    log(printTargets(results.targets));
    if (options.outDir) {
      mkdirSync(options.outDir, { recursive: true });
      writeFileSync(join(options.outDir, 'RESULTS.md'), renderMarkdown(results, options.quick));
      writeFileSync(join(options.outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
      log(`wrote ${join(options.outDir, 'RESULTS.md')} and results.json`);
    } else if (!options.quick) log('results not written (a partial run leaves bench/RESULTS.md alone): --out DIR keeps them');
    log(`bench finished in ${fmt((performance.now() - started) / 1000, 1)} s`);
    const failed = results.targets.some((t) => t.pass === false);
    return failed && !options.quick ? 2 : 0;
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((error: unknown) => log(`cleanup: ${(error as Error).message}`));
    killAll();
  }
}

function autocannonVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectDir, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: measurement failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killAll();
    process.exit(1);
  },
);
