// scripts/test.ts, the runner behind the npm test scripts: it finds test files
// in nested folders, and with --summary prints the figures the files recorded
// and fails the run on figures that show a loss, even when every file passed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SectionFigures } from '../../reliability/summary.js';
import { parseArgs, runTests, type TestRun } from '../../../scripts/test.js';

/** The runner, called as the npm scripts do, on test/`folder` whose fixture records `figures`: its exit code and all it printed. */
async function runner(folder: string, figures: SectionFigures): Promise<{ code: number; out: string }> {
  const was = process.env.FIXTURE_FIGURES;
  process.env.FIXTURE_FIGURES = JSON.stringify(figures);
  let out = '';
  try {
    const run = parseArgs(['--summary', folder]) as TestRun;
    const code = await runTests(run, (text) => (out += text));
    return { code, out };
  } finally {
    if (was === undefined) delete process.env.FIXTURE_FIGURES;
    else process.env.FIXTURE_FIGURES = was;
  }
}

describe('scripts/test.ts', () => {
  it('runs the files of a folder and prints the summary; a loss in the figures fails the run though every file passed', async () => {
    const lossy = await runner('fixtures/runner', { faults: { scenarios: 2, survived: 2, bytesLost: 7 } });
    assert.equal(lossy.code, 1, lossy.out);
    assert.match(lossy.out, /(# |ℹ )pass 1\n/);
    assert.match(lossy.out, /reliability summary\n {2}faults: 2 scenarios, 2 survived, 7 bytes lost/);
    assert.match(lossy.out, /reliability summary: 7 bytes lost/);
  });

  it('refuses an unknown option and a missing folder; passes --test- options on to node', () => {
    assert.ok('usage' in parseArgs(['--bail', 'unit']));
    assert.ok('usage' in parseArgs(['--summary']));
    assert.deepEqual(parseArgs(['--test-concurrency=1', '--summary', 'reliability']), {
      folders: ['reliability'],
      nodeOptions: ['--test-concurrency=1'],
      summary: true,
      isolated: false,
    });
    assert.equal((parseArgs(['--isolation=process', 'unit']) as TestRun).isolated, true);
  });

  it('names a folder that does not exist under test/ instead of failing with a stack trace', async () => {
    let out = '';
    const code = await runTests(parseArgs(['unit', 'no-such-folder']) as TestRun, (text) => (out += text));
    assert.equal(code, 2);
    assert.equal(out, 'no such folder or file under test/: no-such-folder\n');
  });
});
