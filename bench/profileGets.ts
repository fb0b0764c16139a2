/**
 * Where a 1 KiB GET's CPU goes: a fresh gateway build under `node
 * --cpu-prof`, warmed up, then 1 KiB GETs at 32 clients (pool max 8) for
 * `--seconds` (default 10); writes the profile, its flame graph (SVG) and its
 * top self-time functions into `--out` (default a temp folder).
 * Run: npx tsx bench/profileGets.ts [--out DIR] [--seconds N]
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFtpServer } from '../test/helpers/servers/index.js';
import { topSelfTime } from './cpuProfileTop.js';
import { writeSmallFile } from './fixtures.js';
import { readCpuProfile } from './cpuProfile.js';
import { flameGraphSvg } from './flameGraph.js';
import { GatewayProcess, prepareGateway } from './gateway.js';
import { loadTest, warmUp } from './load.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, seconds: { type: 'string', default: '10' } } });
const out = values.out ?? mkdtempSync(join(tmpdir(), 'ftpgw-profile-'));
const seconds = Number(values.seconds);
const projectDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const server = await startFtpServer('vsftpd', { passivePorts: 1000 });
const build = await prepareGateway(projectDir, 'build');
try {
  writeSmallFile(join(server.root, 'small.bin'));
  const gateway = await GatewayProcess.start(build, `${server.url()}?poolMax=8`, { cpuProfDir: out });
  try {
    const url = gateway.fileUrl('small.bin');
    await warmUp(url);
    const r = await loadTest(url, 32, seconds, {}, gateway.child.pid);
    process.stdout.write(
      `1 KiB GET, 32 clients: ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ` +
        `CPU ${r.cpuMsPerRequest?.toFixed(2) ?? '?'} ms/req, failed ${r.failed}\n`,
    );
  } finally {
    await gateway.stop();
  }
  for (const name of readdirSync(out).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = readCpuProfile(join(out, name));
    const svg = join(out, name.replace(/\.cpuprofile$/, '.svg'));
    writeFileSync(svg, flameGraphSvg(profile, `gateway, 1 KiB GETs at 32 clients (warm-up included)`));
    process.stdout.write(`${svg}\n${topSelfTime(profile, 25).join('\n')}\n`);
  }
} finally {
  build.cleanup();
  await server.stop();
}
