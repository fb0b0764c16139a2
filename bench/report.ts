/**
 * The results of one run, the targets of issue 5 judged against them, and
 * their two renderings: bench/RESULTS.md (tables) and bench/results.json.
 */
import type { ConditionalResult } from './conditional.js';
import type { CeilingResult, LoadResult } from './load.js';
import type { WanResults } from './wan.js';
import { fmt } from './stats.js';

export interface Throughput {
  label: string;
  /** MB/s (1e6 bytes) of each run, in run order. */
  runs: number[];
  median: number;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  /** null: not measured in this run (phase skipped, peer not installed). */
  pass: boolean | null;
  note?: string;
}

export interface Results {
  date: string;
  machine: Record<string, string>;
  settings: Record<string, string | number>;
  gateway: string;
  download?: Throughput[];
  upload?: Throughput[];
  ascii?: Throughput[];
  small?: {
    get: LoadResult[];
    put: LoadResult[];
    /** The 32-client comparison, repeated: medians of gateway, ceiling and rclone. */
    at32: { gateway: LoadResult[]; ceiling: CeilingResult[]; rclone: LoadResult[] };
    ceiling: CeilingResult;
    rclone: LoadResult[] | null;
    rcloneVersion: string | null;
    /** Most FTP logins rclone made during one 32-client phase (its FTP connections), null without rclone. */
    rcloneLogins: number | null;
  };
  list?: {
    entries: number;
    gatewayTtfbMs: number;
    gatewayTotalMs: number;
    directTtfbMs: number;
    directTotalMs: number;
    streamed: boolean;
    contentLength: string | null;
  };
  conditional?: ConditionalResult;
  memory?: { transfers: number; bytesEach: number; baselineRssMiB: number; peakRssMiB: number; hwmMiB: number; seconds: number };
  logins?: { requests: number; logins: number; poolMax: number };
  wan?: WanResults;
  targets: Target[];
  notes: string[];
}

export function throughputTable(rows: readonly Throughput[], baseline: (label: string) => Throughput | undefined): string {
  const lines = ['| variant | MB/s (median) | runs | ratio |', '| --- | ---: | --- | ---: |'];
  for (const row of rows) {
    const base = baseline(row.label);
    const ratio = base && base !== row ? `${fmt(row.median / base.median, 2)}× ${base.label}` : '';
    lines.push(`| ${row.label} | ${fmt(row.median)} | ${row.runs.map((r) => fmt(r)).join(', ')} | ${ratio} |`);
  }
  return lines.join('\n');
}

function loadTable(title: string, rows: readonly LoadResult[]): string {
  const lines = [
    `| ${title} | clients | req/s | p50 ms | p99 ms | failed | server CPU ms/req |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const cpu = r.cpuMsPerRequest === null || r.cpuMsPerRequest === undefined ? '' : fmt(r.cpuMsPerRequest, 2);
    lines.push(`| | ${r.connections} | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${r.failed} | ${cpu} |`);
  }
  return lines.join('\n');
}

export function renderMarkdown(results: Results, quick: boolean): string {
  const out: string[] = [];
  out.push(`# Benchmark results${quick ? " (quick run: small files, not the targets' sizes)" : ''}`);
  out.push('');
  out.push(
    `Run on ${results.date} with \`npm run bench${quick ? ' -- --quick' : ''}\`. Everything on loopback: vsftpd, the gateway (${results.gateway}), curl, autocannon and rclone share the machine, so compare ratios within this run, not absolute figures across runs.`,
  );
  out.push('');
  out.push('| machine | |');
  out.push('| --- | --- |');
  for (const [key, value] of Object.entries(results.machine)) out.push(`| ${key} | ${value} |`);
  for (const [key, value] of Object.entries(results.settings)) out.push(`| ${key} | ${value} |`);
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push('| target | goal | measured | result |');
  out.push('| --- | --- | --- | --- |');
  for (const t of results.targets) {
    const verdict = t.pass === null ? 'SKIP' : t.pass ? 'PASS' : 'FAIL';
    out.push(`| ${t.name} | ${t.goal} | ${t.measured}${t.note ? ` (${t.note})` : ''} | ${verdict} |`);
  }
  const find = (rows: readonly Throughput[]) => (label: string) => rows.find((r) => r.label === label);
  const baseOf = (rows: readonly Throughput[], pairs: Record<string, string>) => (label: string) => {
    const other = pairs[label];
    return other === undefined ? undefined : find(rows)(other);
  };
  if (results.download) {
    out.push('', '## 1. Large download (binary)', '');
    out.push(
      throughputTable(
        results.download,
        baseOf(results.download, { 'gateway, passive': 'curl ftp://, passive', 'gateway, active': 'curl ftp://, active' }),
      ),
    );
  }
  if (results.upload) {
    out.push('', '## 2. Large upload (binary)', '');
    out.push(
      throughputTable(
        results.upload,
        baseOf(results.upload, {
          'gateway PUT, passive': 'curl -T ftp://, passive',
          'gateway PUT, active': 'curl -T ftp://, active',
          'gateway multipart POST, passive': 'curl -T ftp://, passive',
        }),
      ),
    );
  }
  if (results.ascii) {
    out.push('', "## 3. ASCII (LF text; MB/s of the file's size)", '');
    out.push(
      throughputTable(
        results.ascii,
        baseOf(results.ascii, {
          'gateway download, ascii': 'gateway download, binary',
          'gateway upload, ascii': 'gateway upload, binary',
          'curl ftp://;type=a download': 'gateway download, binary',
        }),
      ),
    );
  }
  if (results.small) {
    const s = results.small;
    out.push('', '## 4. Small files (1 KiB)', '');
    out.push(loadTable('gateway GET', s.get), '');
    out.push(loadTable('gateway PUT', s.put), '');
    out.push(
      `Direct ceiling: ${s.ceiling.processes} curl processes, each ${s.ceiling.requests / s.ceiling.processes} RETRs over one reused FTP connection: ${fmt(s.ceiling.requestsPerSecond)} req/s, p50 ${fmt(s.ceiling.p50Ms, 1)} ms, p99 ${fmt(s.ceiling.p99Ms, 1)} ms (median of ${s.at32.ceiling.length} runs).`,
    );
    out.push('');
    if (s.rclone) {
      out.push(loadTable(`rclone serve http (${s.rcloneVersion ?? ''})`, s.rclone));
      if (s.rcloneLogins !== null)
        out.push(
          '',
          `rclone opened ${s.rcloneLogins} FTP connections (logins in vsftpd's log) during one 32-client phase; the gateway's pool max is ${results.settings['pool max'] ?? '?'}.`,
        );
    } else out.push('rclone serve http: **not measured — rclone is not installed** (`apt-get install -y rclone`).');
  }
  if (results.conditional) {
    const c = results.conditional;
    out.push('', '## 4b. Conditional requests (1 KiB, If-None-Match)', '');
    out.push(loadTable('gateway GET, 200', c.full), '');
    out.push(loadTable('gateway GET, 304', c.notModified), '');
    out.push(
      `FTP data commands (EPSV, PASV, EPRT, PORT, RETR in vsftpd's log): ${c.fullDataCommands} during the full GETs, ${c.notModifiedDataCommands} during the 304s. The 304 is decided from SIZE+MDTM alone.`,
    );
  }
  if (results.list) {
    const l = results.list;
    out.push('', `## 5. Listing ${l.entries} entries`, '');
    out.push('| | first byte ms | total ms |', '| --- | ---: | ---: |');
    out.push(`| gateway GET /dirs | ${fmt(l.gatewayTtfbMs, 1)} | ${fmt(l.gatewayTotalMs, 1)} |`);
    out.push(`| curl ftp:// (LIST) | ${fmt(l.directTtfbMs, 1)} | ${fmt(l.directTotalMs, 1)} |`);
    out.push(
      '',
      `Response ${l.streamed ? 'streamed (chunked, no Content-Length)' : `not streamed (Content-Length ${l.contentLength ?? '?'}: built whole before sending)`}.`,
    );
  }
  if (results.memory) {
    const m = results.memory;
    out.push('', '## 6. Memory', '');
    out.push(
      `${m.transfers} concurrent transfers of ${fmt(m.bytesEach / 2 ** 20)} MiB (gateway pool max 16; half downloads, half PUT uploads, half passive, half active) in ${fmt(m.seconds, 1)} s: gateway RSS ${fmt(m.baselineRssMiB, 1)} MiB before, peak ${fmt(m.hwmMiB, 1)} MiB (VmHWM; sampled VmRSS peak ${fmt(m.peakRssMiB, 1)} MiB).`,
    );
  }
  if (results.logins) {
    const l = results.logins;
    out.push('', '## 7. Pool efficiency', '');
    out.push(
      `${l.requests} sequential 1 KiB GETs on a fresh gateway: ${l.logins} FTP logins seen by vsftpd (USER commands in its log); pool max ${l.poolMax}.`,
    );
  }
  if (results.wan) {
    out.push('', `## 8. WAN (RTT ${results.wan.rttMs} ms through a latency proxy)`, '');
    out.push(wanTable(results.wan));
  }
  if (results.notes.length > 0) {
    out.push('', '## Notes', '');
    for (const note of results.notes) out.push(`- ${note}`);
  }
  return out.join('\n') + '\n';
}

export function printTargets(targets: readonly Target[]): string {
  const lines: string[] = [];
  for (const t of targets) {
    const verdict = t.pass === null ? 'SKIP' : t.pass ? 'PASS' : 'FAIL';
    lines.push(`${verdict.padEnd(4)}  ${t.name}: ${t.measured} (goal ${t.goal})${t.note ? ` — ${t.note}` : ''}`);
  }
  return lines.join('\n');
}

/** Sequential latencies, in ms and in round trips, the gateway beside curl and rclone. */
export function wanTable(wan: WanResults): string {
  const lines = ['| request | client | p50 ms | p50 RTT | p99 ms |', '| --- | --- | ---: | ---: | ---: |'];
  const names: Record<string, string> = { get: '1 KiB GET', head: 'HEAD', list: 'listing, 20 entries', put: '1 KiB PUT (gateway: atomic)' };
  for (const tls of [false, true]) {
    for (const op of ['get', 'head', 'list', 'put']) {
      for (const r of wan.rows.filter((x) => x.op === op && x.tls === tls)) {
        lines.push(
          `| ${names[op] ?? op}${tls ? ', FTPS' : ''} | ${r.client} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p50Ms / wan.rttMs, 2)} | ${fmt(r.p99Ms, 1)} |`,
        );
      }
    }
  }
  return lines.join('\n');
}
