// The stability rule (src/gateway/watch/stabilityMemory.ts) that events and
// claims share, with a fake clock: a file is stable once the same size and
// modification time have been listed for stableMs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StabilityMemory, type ObservedEntry } from '../../../../src/gateway/watch/stabilityMemory.js';

const at = (iso: string): Date => new Date(iso);
const file = (name: string, size: number | null, modifiedAt: Date | null = at('2026-01-01T00:00:00Z')): ObservedEntry => ({
  name,
  type: 'file',
  size,
  modifiedAt,
});

describe('StabilityMemory', () => {
  test('a first sighting has age 0; the same version later has the time since', () => {
    const m = new StabilityMemory();
    assert.deepEqual([...m.observe('/in', [file('a', 1)], 1000)], [['a', 0]]);
    assert.deepEqual([...m.observe('/in', [file('a', 1)], 6000)], [['a', 5000]]);
  });

  test('a size or time change starts the version over (an upload still being written)', () => {
    const m = new StabilityMemory();
    m.observe('/in', [file('a', 1)], 0);
    assert.equal(m.observe('/in', [file('a', 2)], 5000).get('a'), 0, 'grew');
    assert.equal(m.observe('/in', [file('a', 2)], 9000).get('a'), 4000);
    assert.equal(m.observe('/in', [file('a', 2, at('2026-01-01T00:01:00Z'))], 10_000).get('a'), 0, 'touched');
  });

  test('unknown size or time is a value like any other (compared, not skipped)', () => {
    const m = new StabilityMemory();
    m.observe('/in', [file('a', null, null)], 0);
    assert.equal(m.observe('/in', [file('a', null, null)], 3000).get('a'), 3000);
    assert.equal(m.observe('/in', [file('a', 5, null)], 4000).get('a'), 0);
  });

  test('a name missing from a listing is forgotten: when it comes back (a returned claim) it is observed anew', () => {
    const m = new StabilityMemory();
    m.observe('/in', [file('a', 1), file('b', 1)], 0);
    m.observe('/in', [file('b', 1)], 5000);
    const ages = m.observe('/in', [file('a', 1), file('b', 1)], 9000);
    assert.equal(ages.get('a'), 0);
    assert.equal(ages.get('b'), 9000);
  });

  test('folders are separate', () => {
    const m = new StabilityMemory();
    m.observe('/a', [file('x', 1)], 0);
    assert.equal(m.observe('/b', [file('x', 1)], 5000).get('x'), 0);
    assert.equal(m.observe('/a', [file('x', 1)], 6000).get('x'), 6000);
  });

  test('a clock that steps back never makes an age negative', () => {
    const m = new StabilityMemory();
    m.observe('/in', [file('a', 1)], 10_000);
    assert.equal(m.observe('/in', [file('a', 1)], 9_000).get('a'), 0);
  });

  test('memory is bounded: folders idle for forgetAfterMs are dropped, and at most maxFolders are kept', () => {
    const m = new StabilityMemory({ forgetAfterMs: 1000, maxFolders: 2 });
    m.observe('/a', [file('x', 1)], 0);
    m.observe('/b', [file('x', 1)], 500);
    m.observe('/c', [file('x', 1)], 600);
    assert.equal(m.folders, 2, 'the least recently observed (/a) went');
    assert.equal(m.observe('/a', [file('x', 1)], 700).get('x'), 0);
    m.observe('/c', [file('x', 1)], 2000);
    assert.equal(m.folders, 1, '/a and /b idle for 1 s are gone');
  });

  test('one rule for events and claims: a type change is a new version, a name listed twice counts once, unlistable names are not kept', () => {
    const m = new StabilityMemory();
    m.observe('/in', [file('a', 1), { ...file('b', 1), type: 'directory' }], 0);
    const ages = m.observe(
      '/in',
      [
        file('a', 1),
        file('a', 9),
        file('b', 1),
        { name: '..', type: 'directory', size: null, modifiedAt: null },
        { name: 'x/y', type: 'file', size: 1, modifiedAt: null },
        { name: 'raw', type: 'unknown', size: null, modifiedAt: null, raw: 'raw' },
      ],
      4000,
    );
    assert.deepEqual(
      [...ages],
      [
        ['a', 4000],
        ['b', 0],
      ],
    );
  });
});
