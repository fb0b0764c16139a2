// The differ and the stability rule of a watched folder, on a clock the test
// gives: events by name, size and time; stable once per version and window.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FtpEntry } from '../../../../src/ftp/index.js';
import { FolderState, type FolderChange } from '../../../../src/gateway/watch/folderState.js';
import { FolderVersions } from '../../../../src/gateway/watch/stabilityMemory.js';

const file = (name: string, size: number, minute = 0): FtpEntry => ({
  name,
  type: 'file',
  size,
  modifiedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
  modifiedAtPrecision: 'minute',
});
const show = (changes: FolderChange[]): string[] =>
  changes.map((c) => `${c.kind}:${c.entry.name}:${c.entry.size}${c.stableMs === undefined ? '' : `@${c.stableMs}`}`);

describe('FolderState', () => {
  test('the first listing is the baseline: no events; then created, changed (size or time), deleted', () => {
    const state = new FolderState();
    assert.deepEqual(state.update([file('a', 1), file('b', 1)], 0), []);
    assert.equal(state.hasBaseline, true);
    assert.deepEqual(show(state.update([file('a', 2), file('b', 1, 5), file('c', 0)], 100)), ['changed:a:2', 'changed:b:1', 'created:c:0']);
    assert.deepEqual(show(state.update([file('c', 0)], 200)), ['deleted:a:2', 'deleted:b:1']);
    assert.deepEqual(show(state.update([file('c', 0)], 300)), [], 'the same listing again: nothing');
  });

  test('stable once the same version was seen for stableMs, once per version and per window', () => {
    const state = new FolderState();
    state.update([], 0);
    state.update([file('a', 10)], 1_000);
    assert.deepEqual(show(state.due(1_400, [500])), [], 'seen for 400 ms only');
    assert.deepEqual(show(state.due(1_500, [500, 2_000])), ['stable:a:10@500']);
    assert.deepEqual(show(state.due(2_000, [500])), [], 'sent once');
    state.update([file('a', 20)], 2_100);
    assert.deepEqual(show(state.due(2_500, [500])), [], 'a new version starts again');
    assert.deepEqual(show(state.due(2_600, [500])), ['stable:a:20@500']);
    assert.deepEqual(show(state.due(3_100, [500, 2_000])), [], 'not yet for the longer window');
    assert.deepEqual(show(state.due(4_100, [500, 2_000])), ['stable:a:20@2000'], 'the other window has its own');
  });

  test('only files become stable; ".", "..", raw lines and names with "/" are never entries; a name listed twice counts once', () => {
    const state = new FolderState();
    state.update([], 0);
    const changes = state.update(
      [
        { name: 'dir', type: 'directory', size: 4096, modifiedAt: null },
        { name: '.', type: 'directory', size: 4096, modifiedAt: null },
        { name: 'weird line', type: 'unknown', size: null, modifiedAt: null, raw: 'weird line' },
        { name: 'a/b', type: 'file', size: 1, modifiedAt: null },
        file('x', 1),
        file('x', 1),
      ],
      0,
    );
    assert.deepEqual(show(changes), ['created:dir:4096', 'created:x:1']);
    assert.deepEqual(show(state.due(10_000, [0])), ['stable:x:1@0']);
  });

  test('a deleted and re-created file is a new version: stable again', () => {
    const state = new FolderState();
    state.update([file('a', 1)], 0);
    assert.deepEqual(show(state.due(1_000, [1_000])), ['stable:a:1@1000']);
    state.update([], 1_100);
    state.update([file('a', 1)], 1_200);
    assert.deepEqual(show(state.due(2_200, [1_000])), ['stable:a:1@1000']);
  });

  test('a version another observer of the folder (a claim request) listed first counts from then; its events are still sent', () => {
    const versions = new FolderVersions();
    const state = new FolderState(versions);
    state.update([file('a', 1)], 0);
    versions.observe([file('a', 2)], 1_000); // a claim request between two polls sees a grow first
    assert.deepEqual(show(state.update([file('a', 2)], 3_000)), ['changed:a:2'], 'the subscribers still hear of the change');
    assert.deepEqual(show(state.due(3_000, [2_000])), ['stable:a:2@2000'], 'seen unchanged since 1000, not since this poll');
    assert.deepEqual(show(state.due(3_000, [2_500])), [], 'and no earlier than that');
  });
});
