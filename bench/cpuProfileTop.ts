/**
 * The top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`,
 * e.g. `npm run bench -- --only download --cpu-prof DIR`), with the share of
 * all samples, grouped by function and file.
 * Run: npx tsx bench/cpuProfileTop.ts FILE.cpuprofile [N]
 */
import { frameName, profileFromCommandLine, selfTimes, type CpuProfile } from './cpuProfile.js';

export function topSelfTime(profile: CpuProfile, count: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<string, number>();
  for (const [id, us] of selfTimes(profile)) {
    const node = byId.get(id);
    if (!node) continue;
    const { name, file } = frameName(node);
    const key = `${name}  ${file}`;
    hits.set(key, (hits.get(key) ?? 0) + us);
  }
  const total = [...hits.values()].reduce((a, b) => a + b, 0);
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
}

const run = profileFromCommandLine(import.meta.url, 'tsx bench/cpuProfileTop.ts FILE.cpuprofile [N]');
if (run) {
  const { profile } = run;
  process.stdout.write(`${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled\n`);
  process.stdout.write(topSelfTime(profile, Number(process.argv[3] ?? 25)).join('\n') + '\n');
}
