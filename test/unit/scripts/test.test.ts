// scripts/test.ts, the runner behind the npm test scripts: it finds test files
// in nested folders, and with --summary prints the figures the files recorded
// and fails the run on figures that show a loss, even when every file passed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SectionFigures } from '../../reliability/summary.js';

const root = join(import.meta.dirname, '..', '..', '..');

async function runner(args: string[], figures: SectionFigures): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/test.ts', ...args], {
    cwd: root,
    env: { ...process.env, FIXTURE_FIGURES: JSON.stringify(figures), NODE_TEST_CONTEXT: undefined },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, out };
}

describe('scripts/test.ts', () => {
  it('runs the files of a folder and prints the summary; a loss in the figures fails the run', async () => {
    const good = await runner(['--summary', 'fixtures/runner'], { faults: { scenarios: 2, survived: 2, bytesLost: 0 } });
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /reliability summary\n {2}faults: 2 scenarios, 2 survived, 0 bytes lost/);

    const lossy = await runner(['--summary', 'fixtures/runner'], { faults: { scenarios: 2, survived: 2, bytesLost: 7 } });
    assert.equal(lossy.code, 1, lossy.out);
    assert.match(lossy.out, /reliability summary: 7 bytes lost/);
  });

  it('refuses a folder without test files and an unknown option', async () => {
    assert.equal(existsSync(join(root, 'test', 'fixtures', 'listings')), true);
    assert.equal((await runner(['fixtures/listings'], {})).code, 2);
    assert.equal((await runner(['--bail', 'fixtures/runner'], {})).code, 2);
  });
});
