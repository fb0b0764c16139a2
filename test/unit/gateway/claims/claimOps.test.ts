// The FTP steps of claims (src/gateway/claims/claimOps.ts) over an in-memory
// file tree with Unix rename semantics (RNTO replaces a file, as vsftpd,
// pure-ftpd and proftpd do: claims.test.ts checks that on each): the edges a
// real server makes hard to reach on purpose. A race lost at a chosen step,
// a process that stops between two steps, a sweep that finds its marker gone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ackClaim,
  extendClaim,
  listClaims,
  releaseClaim,
  returnClaim,
  sweepExpired,
  takeClaim,
  type OpContext,
} from '../../../../src/gateway/claims/claimOps.js';
import { GatewayError } from '../../../../src/gateway/gatewayError.js';
import { MemoryFtp } from '../../../helpers/memoryFtp.js';

let clock = 1_000_000;
const ctx: OpContext = { signal: new AbortController().signal, mode: 'passive', now: () => clock };
const place = { root: '/', folder: ['in'] };
const candidate = (name: string) => ({ name, size: 1, modifiedAt: null });
const notHeld = (err: unknown) => err instanceof GatewayError && err.code === 'CLAIM_NOT_HELD';

describe('claimOps on an in-memory server', () => {
  test('a claim makes its marker, then its folder, then renames the file in', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a');
    const { claim } = await takeClaim(ftp.session(), place, [candidate('a')], 5000, ctx);
    assert.ok(claim);
    const steps = ftp.sent.filter((s) => !s.startsWith('LIST'));
    assert.deepEqual(steps.slice(-4), [
      `MKD /in/.claims/${claim.id}.lease-${clock + 5000}`,
      `MKD /in/.claims/${claim.id}`,
      'RNFR /in/a',
      `RNTO /in/.claims/${claim.id}/a`,
    ]);
    assert.equal(claim.path, `in/.claims/${claim.id}/a`);
  });

  test('the loser of a rename race (RNFR 550, or RNTO after the file went) takes the next candidate', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a').file('/in/b').file('/in/c');
    ftp.before = (verb, path) => {
      if (verb === 'RNFR' && path === '/in/a') ftp.tree.delete('/in/a'); // a rival renamed it first
      if (verb === 'RNTO' && path.endsWith('/b')) ftp.tree.delete('/in/b'); // gone between RNFR and RNTO
    };
    const { claim, lost } = await takeClaim(ftp.session(), place, ['a', 'b', 'c'].map(candidate), 5000, ctx);
    assert.equal(claim?.name, 'c');
    assert.equal(lost, 2);
  });

  test('nothing left to take: the lease is dropped again, nothing remains in .claims', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a');
    ftp.before = (verb) => {
      if (verb === 'RNFR') ftp.tree.delete('/in/a');
    };
    assert.deepEqual(await takeClaim(ftp.session(), place, [candidate('a')], 5000, ctx), { claim: null, lost: 1 });
    assert.deepEqual(ftp.names('/in/.claims'), []);
  });

  test('killed after the marker, before the folder: the sweep removes the marker once it expires', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a');
    ftp.before = (verb, path) => {
      if (verb === 'MKD' && !path.includes('.lease-') && path !== '/in/.claims') throw new Error('killed');
    };
    await assert.rejects(takeClaim(ftp.session(), place, [candidate('a')], 5000, ctx), /killed/);
    ftp.before = () => undefined;
    const listing = await listClaims(ftp.session(), place, ctx);
    assert.ok(listing);
    assert.deepEqual(await sweepExpired(ftp.session(), place, listing, ctx), [], 'not expired yet: left alone');
    clock += 5000;
    assert.equal((await sweepExpired(ftp.session(), place, listing, ctx)).length, 1);
    assert.deepEqual(ftp.names('/in/.claims'), []);
    assert.deepEqual(ftp.names('/in').sort(), ['.claims', 'a']);
  });

  test('an expired claim is returned under its name by the sweep that removed its marker; a sweep that finds the marker gone leaves it', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a', 'A');
    const { claim } = await takeClaim(ftp.session(), place, [candidate('a')], 1000, ctx);
    assert.ok(claim);
    clock += 1000;
    const listing = await listClaims(ftp.session(), place, ctx);
    assert.ok(listing);
    // Another replica's sweep removes the marker between this one's listing and its RMD.
    ftp.before = (verb, path) => {
      if (verb === 'RMD' && path.includes('.lease-')) ftp.tree.delete(path);
    };
    assert.deepEqual(await sweepExpired(ftp.session(), place, listing, ctx), []);
    assert.equal(ftp.tree.get(`/in/.claims/${claim.id}/a`), 'A', "not this sweep's to return");
    ftp.before = () => undefined;
    // That other sweep then returns the file (a folder without its marker).
    assert.equal(await returnClaim(ftp.session(), place, claim.id, ctx), 1);
    assert.equal(ftp.tree.get('/in/a'), 'A');
    assert.deepEqual(ftp.names('/in/.claims'), []);
  });

  test('a returned file never replaces one that arrived under its name', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a.csv', 'old');
    const { claim } = await takeClaim(ftp.session(), place, [candidate('a.csv')], 5000, ctx);
    assert.ok(claim);
    ftp.file('/in/a.csv', 'new upload');
    await releaseClaim(ftp.session(), place, claim.id, ctx);
    assert.equal(ftp.tree.get('/in/a.csv'), 'new upload');
    assert.equal(ftp.tree.get(`/in/a.returned-${claim.id.slice(0, 8)}.csv`), 'old');
  });

  test('ack, release and extend of an expired claim: CLAIM_NOT_HELD, and nothing is touched', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a');
    const { claim } = await takeClaim(ftp.session(), place, [candidate('a')], 2000, ctx);
    assert.ok(claim);
    clock += 2000;
    const before = new Map(ftp.tree);
    await assert.rejects(ackClaim(ftp.session(), place, claim.id, { disposition: 'delete' }, ctx), notHeld);
    await assert.rejects(releaseClaim(ftp.session(), place, claim.id, ctx), notHeld);
    await assert.rejects(extendClaim(ftp.session(), place, claim.id, 5000, ctx), notHeld);
    assert.deepEqual(ftp.tree, before);
  });

  test('an ack racing a sweep that already took the file back: CLAIM_NOT_HELD, the returned file stays', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a', 'A');
    const { claim } = await takeClaim(ftp.session(), place, [candidate('a')], 5000, ctx);
    assert.ok(claim);
    ftp.before = (verb, path) => {
      if (verb === 'DELE' && path.endsWith('/a')) {
        // A replica whose clock runs ahead swept it just now.
        ftp.tree.set('/in/a', ftp.tree.get(path) as string);
        ftp.tree.delete(path);
      }
    };
    await assert.rejects(ackClaim(ftp.session(), place, claim.id, { disposition: 'delete' }, ctx), notHeld);
    assert.equal(ftp.tree.get('/in/a'), 'A');
  });

  test('with the name this process put there, an ack lists only .claims/; a file gone meanwhile is still CLAIM_NOT_HELD', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a').file('/in/b');
    const { claim } = await takeClaim(ftp.session(), place, [candidate('a')], 5000, ctx);
    assert.ok(claim);
    ftp.sent.length = 0;
    await ackClaim(ftp.session(), place, claim.id, { disposition: 'delete' }, ctx, 'a');
    assert.deepEqual(ftp.sent, [
      'LIST /in/.claims',
      `DELE /in/.claims/${claim.id}/a`,
      `RMD /in/.claims/${claim.id}`,
      `RMD /in/.claims/${claim.id}.lease-${clock + 5000}`,
    ]);
    const second = (await takeClaim(ftp.session(), place, [candidate('b')], 5000, ctx)).claim;
    assert.ok(second);
    ftp.tree.delete(`/in/.claims/${second.id}/b`); // taken back by a sweep, or removed by hand
    await assert.rejects(releaseClaim(ftp.session(), place, second.id, ctx, 'b'), notHeld);
  });

  test('extend renames the marker (RNFR/RNTO) and keeps the id; a marker gone meanwhile → CLAIM_NOT_HELD', async () => {
    const ftp = new MemoryFtp().dir('/in').file('/in/a');
    const { claim } = await takeClaim(ftp.session(), place, [candidate('a')], 5000, ctx);
    assert.ok(claim);
    const expiresAt = await extendClaim(ftp.session(), place, claim.id, 60_000, ctx);
    assert.equal(expiresAt.getTime(), clock + 60_000);
    assert.ok(ftp.tree.has(`/in/.claims/${claim.id}.lease-${clock + 60_000}`));
    assert.ok(!ftp.tree.has(`/in/.claims/${claim.id}.lease-${clock + 5000}`));
    ftp.before = (verb, path) => {
      if (verb === 'RNFR' && path.includes('.lease-')) ftp.tree.delete(path);
    };
    await assert.rejects(extendClaim(ftp.session(), place, claim.id, 1000, ctx), notHeld);
  });
});
