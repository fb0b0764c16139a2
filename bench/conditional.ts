/**
 * Conditional requests (issue 13, measure 5): 1 KiB GETs answered 304 for
 * `If-None-Match` beside the same GETs answered in full, at 32 clients on
 * loopback. A 304 is decided from the stat (SIZE+MDTM): vsftpd's command log
 * must show no data connection (EPSV, PASV, EPRT, PORT) and no RETR while the
 * 304s run, and about one per request while the full GETs do.
 */
import type { RunningFtpServer } from '../test/helpers/servers/index.js';
import type { GatewayProcess } from './gateway.js';
import { loadTest, warmUp, type LoadRequest, type LoadResult } from './load.js';
import { sleep } from './processes.js';
import { fmt, median } from './stats.js';

export interface ConditionalResult {
  connections: number;
  etag: string;
  /** Each round's run, in order: the full GETs (200) and the conditional ones (304), alternating. */
  full: LoadResult[];
  notModified: LoadResult[];
  /** Data connections and RETRs vsftpd logged during all the full-GET runs, and during all the 304 runs. */
  fullDataCommands: number;
  notModifiedDataCommands: number;
}

const DATA_COMMAND = /^(EPSV|PASV|EPRT|PORT|RETR)\b/;
const CLIENTS = 32;

export async function conditionalPhase(
  gateway: GatewayProcess,
  server: RunningFtpServer,
  options: { loadSeconds: number; quick: boolean; repeats: number },
  log: (line: string) => void,
): Promise<ConditionalResult> {
  const url = gateway.fileUrl('small.bin');
  const head = await fetch(url, { method: 'HEAD' });
  const etag = head.headers.get('etag');
  if (head.status !== 200 || etag === null) throw new Error(`conditional: HEAD answered ${head.status} with ETag ${etag}`);
  const probe = await fetch(url, { headers: { 'if-none-match': etag } });
  if (probe.status !== 304) throw new Error(`conditional: If-None-Match with the current ETag answered ${probe.status}, not 304`);

  const conditional: LoadRequest = { headers: { 'if-none-match': etag }, status: 304 };
  await warmUp(url, conditional, options.quick ? 1 : 3);
  const dataCommands = async (run: () => Promise<LoadResult>): Promise<[LoadResult, number]> => {
    const before = (await server.commandLog()).length;
    const result = await run();
    // vsftpd writes each command as it arrives; the last ones may still be on their way.
    await sleep(200);
    const added = (await server.commandLog()).slice(before);
    return [result, added.filter((c) => DATA_COMMAND.test(c)).length];
  };
  const line = (label: string, r: LoadResult, data: number): void =>
    log(
      `  ${label.padEnd(30)} c=${CLIENTS}  ${fmt(r.requestsPerSecond).padStart(6)} req/s  p50 ${fmt(r.p50Ms, 1)} ms  p99 ${fmt(r.p99Ms, 1)} ms  failed ${r.failed}  data commands ${data} (${fmt(data / Math.max(1, r.ok), 2)}/req)`,
    );

  const result: ConditionalResult = {
    connections: CLIENTS,
    etag,
    full: [],
    notModified: [],
    fullDataCommands: 0,
    notModifiedDataCommands: 0,
  };
  const rounds = options.quick ? 1 : options.repeats;
  for (let round = 1; round <= rounds; round++) {
    const [full, fullData] = await dataCommands(() => loadTest(url, CLIENTS, options.loadSeconds, {}, gateway.child.pid));
    line(`GET 200 (${round}/${rounds})`, full, fullData);
    const [cached, cachedData] = await dataCommands(() => loadTest(url, CLIENTS, options.loadSeconds, conditional, gateway.child.pid));
    line(`GET If-None-Match 304 (${round}/${rounds})`, cached, cachedData);
    if (full.ok === 0 || cached.ok === 0) throw new Error(`conditional: no request succeeded (200: ${full.ok}, 304: ${cached.ok})`);
    result.full.push(full);
    result.notModified.push(cached);
    result.fullDataCommands += fullData;
    result.notModifiedDataCommands += cachedData;
  }
  return result;
}

/** The target: a 304 costs no data connection; the rates beside it. */
export function conditionalTarget(c: ConditionalResult): { name: string; goal: string; measured: string; pass: boolean } {
  const served = c.notModified.reduce((sum, r) => sum + r.ok, 0);
  const fullRate = median(c.full.map((r) => r.requestsPerSecond));
  const cachedRate = median(c.notModified.map((r) => r.requestsPerSecond));
  return {
    name: `a 304 (If-None-Match) costs no data connection, ${c.connections} clients`,
    goal: '0 EPSV/PASV/EPRT/PORT/RETR in the FTP log during the 304s',
    measured: `${c.notModifiedDataCommands} in ${served} 304s; 304s ${fmt(cachedRate)} req/s = ${fmt(cachedRate / fullRate, 2)}× full 1 KiB GETs (${fmt(fullRate)} req/s)`,
    pass: served > 0 && c.notModifiedDataCommands === 0,
  };
}
