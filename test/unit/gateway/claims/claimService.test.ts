// The per-process side of claims (src/gateway/claims/claimService.ts) on an
// in-memory server with a fake clock: which file a request takes, that a
// process's own consumers do not race each other, the stability window, a
// claim folder left without its marker, and the counts the metrics read.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClaimService, type ClaimOutcome, type ClaimTarget } from '../../../../src/gateway/claims/claimService.js';
import { FolderVersions } from '../../../../src/gateway/watch/stabilityMemory.js';
import { MemoryFtp } from '../../../helpers/memoryFtp.js';

const signal = new AbortController().signal;
const target: ClaimTarget = { server: 's', scope: 's', mode: 'passive', root: '/', folder: ['in'] };
const options = { pattern: '*.csv', stableMs: 0, leaseMs: 5000 };

function setup(names: string[]) {
  const ftp = new MemoryFtp().dir('/in');
  for (const name of names) ftp.file(`/in/${name}`, name);
  let now = 1_000_000;
  const counts: Array<[ClaimOutcome, number]> = [];
  const service = new ClaimService({ now: () => now, count: (_server, outcome, n) => counts.push([outcome, n]), orphanGraceMs: 60_000 });
  return { ftp, service, counts, advance: (ms: number) => (now += ms) };
}

describe('ClaimService', () => {
  test('takes the oldest (time, then name) file the pattern matches; hidden names and other patterns are skipped', async () => {
    const { ftp, service } = setup(['b.csv', 'a.csv', '.h.csv', 'c.txt']);
    // MemoryFtp lists every file at the same time: the name decides.
    const first = await service.take(ftp.session(), target, options, signal);
    assert.equal(first?.name, 'a.csv');
    assert.equal((await service.take(ftp.session(), target, options, signal))?.name, 'b.csv');
    assert.equal(await service.take(ftp.session(), target, options, signal), null);
  });

  test('stableMs: not before this process has seen the file unchanged that long', async () => {
    const { ftp, service, advance } = setup(['a.csv']);
    const stable = { ...options, stableMs: 5000 };
    assert.equal(await service.take(ftp.session(), target, stable, signal), null);
    advance(4999);
    assert.equal(await service.take(ftp.session(), target, stable, signal), null);
    ftp.file('/in/a.csv', 'grew');
    advance(5000);
    assert.equal(await service.take(ftp.session(), target, stable, signal), null, 'it changed: the window starts over');
    advance(5000);
    assert.equal((await service.take(ftp.session(), target, stable, signal))?.name, 'a.csv');
  });

  test("a watched folder: the request observes into the poller's record; what the poller saw counts, and the poller sees what it listed", async () => {
    const { ftp } = setup(['a.csv', 'b.csv']);
    let now = 1_000_000;
    const versions = new FolderVersions();
    const service = new ClaimService({
      now: () => now,
      watched: (scope, folder) => (scope === 's' && folder.join('/') === 'in' ? versions : undefined),
    });
    // The poller listed a.csv 5 s ago (b.csv was not there yet).
    versions.observe([{ name: 'a.csv', type: 'file', size: 5, modifiedAt: new Date(0) }], now - 5000);
    const stable = { ...options, stableMs: 5000 };
    assert.equal((await service.take(ftp.session(), target, stable, signal))?.name, 'a.csv', 'no second wait');
    assert.equal(await service.take(ftp.session(), target, stable, signal), null, 'b.csv: first seen by the first request');
    now += 5000;
    // The poller's next listing: b.csv counts from the first request, 5 s ago.
    const ages = versions.observe(await ftp.session().list('/in'), now);
    assert.equal(ages.get('b.csv'), 5000);
    assert.equal(ages.has('a.csv'), false, 'claimed: gone from the folder');
  });

  test('two requests of one process at once take two different files, without racing for the same rename', async () => {
    const { ftp, service, counts } = setup(['a.csv', 'b.csv']);
    const both = await Promise.all([1, 2].map(() => service.take(ftp.session(), target, options, signal)));
    assert.deepEqual(both.map((c) => c?.name).sort(), ['a.csv', 'b.csv']);
    assert.ok(!counts.some(([outcome]) => outcome === 'lost'), 'no rename lost to a sibling');
  });

  test('a claim folder without its marker (a process died mid-sweep) is returned once seen so for orphanGraceMs', async () => {
    const { ftp, service, advance, counts } = setup([]);
    ftp
      .dir('/in/.claims')
      .dir(`/in/.claims/${'c'.repeat(24)}.aW4`)
      .file(`/in/.claims/${'c'.repeat(24)}.aW4/x.csv`, 'x');
    await service.sweep(ftp.session(), target, signal);
    assert.ok(!ftp.tree.has('/in/x.csv'), 'first sighting: it may be a step of someone else');
    advance(59_999);
    await service.sweep(ftp.session(), target, signal);
    assert.ok(!ftp.tree.has('/in/x.csv'));
    advance(1);
    await service.sweep(ftp.session(), target, signal);
    assert.equal(ftp.tree.get('/in/x.csv'), 'x');
    assert.deepEqual(ftp.names('/in/.claims'), []);
    assert.deepEqual(counts.at(-1), ['expired', 1]);
  });

  test('counts taken, acked, released and expired', async () => {
    const { ftp, service, counts, advance } = setup(['a.csv', 'b.csv', 'c.csv']);
    const a = await service.take(ftp.session(), target, options, signal);
    const b = await service.take(ftp.session(), target, options, signal);
    await service.take(ftp.session(), target, options, signal);
    assert.ok(a && b);
    await service.ack(ftp.session(), target, a.id, { disposition: 'delete' }, signal);
    await service.release(ftp.session(), target, b.id, signal);
    advance(5000);
    await service.sweep(ftp.session(), target, signal);
    const total = (o: ClaimOutcome) => counts.filter(([outcome]) => outcome === o).reduce((n, [, k]) => n + k, 0);
    assert.deepEqual([total('taken'), total('acked'), total('released'), total('expired')], [3, 1, 1, 1]);
  });
});
