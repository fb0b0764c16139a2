// Runs the test files under the given folders of test/ (recursively: node 20's
// runner takes no glob), so that a tier or an area is one npm script:
//
//   tsx scripts/test.ts unit                      the unit tier
//   tsx scripts/test.ts unit/ftp integration/ftp  everything that tests src/ftp
//   tsx scripts/test.ts --summary reliability     then the reliability figures
//
// Options starting with --test- go to node's runner as they are
// (--test-concurrency=1, --test-name-pattern=…). With --summary, the test
// files record their figures into a folder of this run, and once they have
// all finished the figures are printed, one line per section, and checked
// (no bytes lost, no secret found): a failed check fails the run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { FIGURES_DIR_ENV, collectFigures, summaryFailures, summaryLines } from '../test/reliability/summary.js';

const root = resolve(import.meta.dirname, '..');
const testDir = join(root, 'test');

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

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...args], { cwd: root, env, stdio: 'inherit' });
    // The runner passes these on to its file processes and then exits itself.
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('error', fail);
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

const argv = process.argv.slice(2);
const nodeOptions = argv.filter((a) => a.startsWith('--test-'));
const summary = argv.includes('--summary');
const unknown = argv.filter((a) => a.startsWith('--') && !a.startsWith('--test-') && a !== '--summary');
const folders = argv.filter((a) => !a.startsWith('--'));
if (unknown.length > 0 || folders.length === 0) {
  console.error(`usage: tsx scripts/test.ts [--summary] [--test-…] <folder or file under test/>…${unknown.length > 0 ? ` (unknown: ${unknown.join(' ')})` : ''}`);
  process.exit(2);
}
const files = folders.flatMap((f) => testFiles(join(testDir, f)));
if (files.length === 0) {
  console.error(`no test files under ${folders.map((f) => `test/${f}`).join(', ')}`);
  process.exit(2);
}

const env = { ...process.env };
const figuresDir = summary ? mkdtempSync(join(tmpdir(), 'ftpgw-figures-')) : undefined;
if (figuresDir) env[FIGURES_DIR_ENV] = figuresDir;
let code: number;
try {
  code = await run([...nodeOptions, ...files.map((f) => relative(root, f))], env);
  if (figuresDir) {
    const figures = collectFigures(figuresDir);
    console.log(['', 'reliability summary', ...summaryLines(figures).map((l) => `  ${l}`), ''].join('\n'));
    const failures = summaryFailures(figures);
    for (const failure of failures) console.error(`reliability summary: ${failure}`);
    if (failures.length > 0 && code === 0) code = 1;
  }
} finally {
  if (figuresDir) rmSync(figuresDir, { recursive: true, force: true });
}
process.exit(code);
