// Runs the test files under the given folders of test/ (recursively: node 20's
// runner takes no glob), so that a tier or an area is one npm script:
//
//   tsx scripts/test.ts unit                      the unit tier
//   tsx scripts/test.ts unit/ftp integration/ftp  everything that tests src/ftp
//   tsx scripts/test.ts --summary reliability     then the reliability figures
//
// The unit files run together in one process: starting a process per file
// (node, tsx, express, ajv…) cost three times what the unit tests themselves
// do. Node 22.8 and later do that with their own isolation flag; on older
// lines the files are imported one after another into one process, which is
// what that flag does. `--isolation=process` gives every unit file its own
// process again; the other tiers always have that (they start servers).
//
// Options starting with --test- go to node's runner as they are
// (--test-concurrency=1, --test-name-pattern=…). With --summary, the test
// files record their figures into a folder of this run, and once they have
// all finished the figures are printed, one line per section, and checked
// (no bytes lost, no secret found): a failed check fails the run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIGURES_DIR_ENV, collectFigures, summaryFailures, summaryLines } from '../test/reliability/summary.js';

const root = resolve(import.meta.dirname, '..');
const testDir = join(root, 'test');
const unitDir = join(testDir, 'unit') + sep;

function testFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return testFiles(child);
      return entry.name.endsWith('.test.ts') ? [child] : [];
    })
    .sort();
}

/** Where a run's output goes: the terminal, or (the runner's own test) one function that takes it all. */
type Output = ((text: string) => void) | undefined;

function node(args: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env, stdio: output ? 'pipe' : 'inherit' });
    if (output) for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => output(chunk.toString()));
    // The runner passes these on to its file processes and then exits itself.
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      done(code ?? (signal ? 1 : 0));
    });
  });
}

/** Node's flag for running test files in the runner's own process, if this node has one. */
function isolationFlag(): string | null {
  for (const flag of ['--test-isolation=none', '--experimental-test-isolation=none']) {
    if (spawnSync(process.execPath, [flag, '-e', '0'], { stdio: 'ignore' }).status === 0) return flag;
  }
  return null;
}

/** The files in one process: with node's flag, or imported in turn, which node:test runs as one file's tests. */
function inOneProcess(files: string[], options: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const flag = isolationFlag();
  if (flag) return node(['--test', flag, ...options, ...files], env, output);
  // A file that does not load fails the run and the others still run, as with --test.
  const imports = files
    .map((f) => pathToFileURL(f).href)
    .map(
      (url) =>
        `try { await import(${JSON.stringify(url)}); } catch (e) { process.exitCode = 1; console.error(${JSON.stringify(url)}, e); }`,
    )
    .join('\n');
  // --test-concurrency means nothing without --test; the rest (name patterns, reporters) applies alike.
  const kept = options.filter((o) => !o.startsWith('--test-concurrency'));
  return node([...kept, '--input-type=module', '-e', imports], env, output);
}

export interface TestRun {
  /** Folders or files under test/. */
  folders: string[];
  /** Options for node's runner (--test-…). */
  nodeOptions: string[];
  summary: boolean;
  /** Every file in its own process, the unit files too. */
  isolated: boolean;
}

/** The command line, or a usage message to exit 2 with. */
export function parseArgs(argv: readonly string[]): TestRun | { usage: string } {
  const ownOptions = ['--summary', '--isolation=process', '--isolation=none'];
  const unknown = argv.filter((a) => a.startsWith('--') && !a.startsWith('--test-') && !ownOptions.includes(a));
  const folders = argv.filter((a) => !a.startsWith('--'));
  if (unknown.length > 0 || folders.length === 0) {
    const why = unknown.length > 0 ? ` (unknown: ${unknown.join(' ')})` : '';
    return { usage: `usage: tsx scripts/test.ts [--summary] [--isolation=process] [--test-…] <folder or file under test/>…${why}` };
  }
  return {
    folders,
    nodeOptions: argv.filter((a) => a.startsWith('--test-')),
    summary: argv.includes('--summary'),
    isolated: argv.includes('--isolation=process'),
  };
}

/** Runs the files and prints the summary; the exit code. With `output`, everything the run prints goes there. */
export async function runTests(run: TestRun, output?: (text: string) => void): Promise<number> {
  const { folders, nodeOptions, summary } = run;
  const print = output ?? ((text: string) => void process.stdout.write(text));
  const printError = output ?? ((text: string) => void process.stderr.write(text));
  const missing = folders.filter((f) => !existsSync(join(testDir, f)));
  if (missing.length > 0) {
    printError(`no such folder or file under test/: ${missing.join(', ')}\n`);
    return 2;
  }
  const files = folders.flatMap((f) => testFiles(join(testDir, f)));
  if (files.length === 0) {
    printError(`no test files under ${folders.map((f) => `test/${f}`).join(', ')}\n`);
    return 2;
  }
  const together = run.isolated ? [] : files.filter((f) => f.startsWith(unitDir));
  const apart = files.filter((f) => !together.includes(f)).map((f) => relative(root, f));

  // A run of its own, even when started from a test (the runner's own test does).
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_TEST_CONTEXT: undefined };
  const figuresDir = summary ? mkdtempSync(join(tmpdir(), 'ftpgw-figures-')) : undefined;
  if (figuresDir) env[FIGURES_DIR_ENV] = figuresDir;
  let code = 0;
  try {
    if (together.length > 0) code = await inOneProcess(together, nodeOptions, env, output);
    if (apart.length > 0) code = (await node(['--test', ...nodeOptions, ...apart], env, output)) || code;
    if (figuresDir) {
      const figures = collectFigures(figuresDir);
      print(['', 'reliability summary', ...summaryLines(figures).map((l) => `  ${l}`), '', ''].join('\n'));
      const failures = summaryFailures(figures);
      for (const failure of failures) printError(`reliability summary: ${failure}\n`);
      if (failures.length > 0 && code === 0) code = 1;
    }
  } finally {
    if (figuresDir) rmSync(figuresDir, { recursive: true, force: true });
  }
  return code;
}

async function main(): Promise<number> {
  const run = parseArgs(process.argv.slice(2));
  if ('usage' in run) {
    console.error(run.usage);
    return 2;
  }
  return runTests(run);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await main());
