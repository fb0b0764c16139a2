// Glob on names for `pattern` (events) and watches[].pattern: shell rules,
// hidden names skipped by `*`, and no pattern that fails to compile.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob } from '../../../../src/gateway/watch/glob.js';

const cases: Array<[pattern: string, name: string, matches: boolean]> = [
  ['*', 'invoice.xml', true],
  ['*', '.claims', false],
  ['*', '.invoice.xml.0a1b2c3d4e5f.ftpgw-part', false],
  ['*.csv', 'a.csv', true],
  ['*.csv', 'a.csv.part', false],
  ['*.csv', '.a.csv', false],
  ['.*', '.claims', true],
  ['inv-??.xml', 'inv-17.xml', true],
  ['inv-??.xml', 'inv-1.xml', false],
  ['[ab]*', 'b.txt', true],
  ['[!ab]*', 'b.txt', false],
  ['[a-c].txt', 'c.txt', true],
  ['[]x]', ']', true],
  ['a+b(1).txt', 'a+b(1).txt', true],
  ['a.txt', 'aXtxt', false],
  ['x[', 'x[', true],
  ['[z-a]', '[z-a]', true],
  ['ü*', 'über.txt', true],
  ['*', 'line\nbreak', true],
];

describe('compileGlob', () => {
  for (const [pattern, name, matches] of cases) {
    test(`${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(name)}`, () => {
      assert.equal(compileGlob(pattern)(name), matches);
    });
  }
});
