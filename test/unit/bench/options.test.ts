// The benchmark's option parsing (the --quick CI defaults).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from '../../../bench/options.js';

describe('bench options', () => {
  it('defaults to the sizes of issue 5 and writes into bench/', () => {
    const o = parseOptions([], '/b');
    assert.equal(o.bigBytes, 1024 * 1024 * 1024);
    assert.equal(o.textBytes, 256 * 1024 * 1024);
    assert.equal(o.listEntries, 10_000);
    assert.deepEqual(o.concurrency, [1, 8, 32, 128]);
    assert.equal(o.poolMax, 8);
    assert.ok(o.repeats >= 3);
    assert.equal(o.outDir, '/b');
  });

  it('--quick shrinks everything and writes nothing unless --out is given', () => {
    const o = parseOptions(['--quick'], '/b');
    assert.equal(o.quick, true);
    assert.ok(o.bigBytes <= 64 * 1024 * 1024);
    assert.ok(o.loadSeconds <= 5);
    assert.equal(o.outDir, undefined);
    assert.equal(parseOptions(['--quick', '--out', '/x'], '/b').outDir, '/x');
  });

  it('takes sizes, phases and both --key value and --key=value', () => {
    const o = parseOptions(['--big-mib=64', '--only', 'download,small', '--concurrency', '2,4'], '/b');
    assert.equal(o.bigBytes, 64 * 1024 * 1024);
    assert.deepEqual([...o.phases], ['download', 'small']);
    assert.deepEqual(o.concurrency, [2, 4]);
    assert.equal(o.outDir, undefined, 'a partial run never replaces the full results in bench/');
    assert.equal(parseOptions(['--only', 'wan', '--out', '/x'], '/b').outDir, '/x');
  });

  it('refuses unknown options, phases and bad numbers', () => {
    assert.throws(() => parseOptions(['--nope', '1'], '/b'), /unknown option/);
    assert.throws(() => parseOptions(['--only', 'everything'], '/b'), /unknown phase/);
    assert.throws(() => parseOptions(['--big-mib', '-1'], '/b'), /positive/);
    assert.throws(() => parseOptions(['--runtime', 'deno'], '/b'), /runtime/);
  });
});
