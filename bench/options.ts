/**
 * Command-line options of the benchmark. `--quick` is the CI variant: small
 * files and short load phases, so the harness is exercised on every run
 * without minutes of I/O; its targets are printed but never fail the run.
 */
export interface BenchOptions {
  quick: boolean;
  /** Size of the large binary file, bytes. */
  bigBytes: number;
  /** Size of the LF text file for the ASCII runs, bytes. */
  textBytes: number;
  /** Entries in the listed folder. */
  listEntries: number;
  /** Seconds per load phase (autocannon, direct ceiling, rclone). */
  loadSeconds: number;
  /** Concurrency levels for the small-file phase. */
  concurrency: number[];
  /** Runs per variant of every throughput measurement (median reported). */
  repeats: number;
  /** Sequential GETs for the pool-efficiency count. */
  sequentialGets: number;
  /** Pool max of the gateway (the FTP_URL poolMax). */
  poolMax: number;
  /** Only these phases (all when empty): see PHASES. */
  phases: Set<string>;
  /** Where RESULTS.md / results.json go (undefined: bench/ for a full run, nowhere for --quick unless asked). */
  outDir: string | undefined;
  /** Gateway runtime: a fresh tsc build (default) or src through tsx. */
  runtime: 'build' | 'tsx';
  /** Start the gateway with --cpu-prof into this folder (for profiling runs). */
  cpuProfDir: string | undefined;
}

export const PHASES = ['download', 'upload', 'ascii', 'small', 'conditional', 'list', 'memory', 'logins', 'wan'] as const;

const MiB = 1024 * 1024;

const USAGE = `npm run bench -- [options]
  --quick              small files and 5 s load phases (CI); targets never fail the run
  --big-mib N          large file size (default 1024, quick 32)
  --text-mib N         ASCII text size (default 256, quick 8)
  --list N             entries in the listed folder (default 10000, quick 1000)
  --seconds N          seconds per load phase (default 10, quick 2)
  --concurrency a,b,c  small-file concurrency levels (default 1,8,32,128)
  --repeats N          runs per throughput variant, median reported (default 3)
  --gets N             sequential GETs for the login count (default 1000, quick 200)
  --pool-max N         gateway pool max (default 8)
  --only a,b           phases: ${PHASES.join(', ')}
  --out DIR            write RESULTS.md and results.json there (a full run's default: bench/;
                       --quick and --only write nothing without it)
  --runtime build|tsx  run the gateway from a fresh tsc build (default) or from src via tsx
  --cpu-prof DIR       start the gateway with node --cpu-prof, profiles into DIR`;

export function parseOptions(argv: readonly string[], benchDir: string): BenchOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (key === 'quick') {
      flags.add(key);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    values.set(key, value);
  }
  const quick = flags.has('quick');
  const num = (key: string, fallback: number): number => {
    const raw = values.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} must be a positive number, got ${raw}`);
    return n;
  };
  const known = new Set([
    'big-mib',
    'text-mib',
    'list',
    'seconds',
    'concurrency',
    'repeats',
    'gets',
    'pool-max',
    'only',
    'out',
    'runtime',
    'cpu-prof',
  ]);
  for (const key of values.keys()) if (!known.has(key)) throw new Error(`unknown option --${key}\n${USAGE}`);

  const bigMiB = num('big-mib', quick ? 32 : 1024);
  const phases = new Set((values.get('only') ?? '').split(',').filter((p) => p !== ''));
  for (const phase of phases) {
    if (!(PHASES as readonly string[]).includes(phase)) throw new Error(`--only: unknown phase ${phase} (${PHASES.join(', ')})`);
  }
  const runtime = values.get('runtime') ?? 'build';
  if (runtime !== 'build' && runtime !== 'tsx') throw new Error('--runtime must be build or tsx');
  const concurrency = (values.get('concurrency') ?? '1,8,32,128').split(',').map((s) => Number(s));
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--concurrency: positive integers, comma-separated');
  return {
    quick,
    bigBytes: Math.round(bigMiB * MiB),
    textBytes: Math.round(num('text-mib', quick ? 8 : 256) * MiB),
    listEntries: Math.round(num('list', quick ? 1000 : 10_000)),
    loadSeconds: num('seconds', quick ? 2 : 10),
    concurrency,
    repeats: Math.round(num('repeats', 3)),
    sequentialGets: Math.round(num('gets', quick ? 200 : 1000)),
    poolMax: Math.round(num('pool-max', 8)),
    phases,
    // Only a full run replaces bench/RESULTS.md by default: a quick or partial (--only) run writes only where --out says.
    outDir: values.get('out') ?? (quick || phases.size > 0 ? undefined : benchDir),
    runtime,
    cpuProfDir: values.get('cpu-prof'),
  };
}
