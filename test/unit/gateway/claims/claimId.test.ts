// Claim ids (src/gateway/claims/claimId.ts): the one form the gateway makes,
// carrying the claims folder so any replica can find the claim; anything
// else is refused before an FTP command could be built from it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_CLAIM_FOLDER_BYTES, claimFolderFits, newClaimId, parseClaimId } from '../../../../src/gateway/claims/claimId.js';
import { leaseMarkerName } from '../../../../src/gateway/claims/leaseMarker.js';

describe('claim ids', () => {
  test('the root: 24 lowercase hex digits, nothing else', () => {
    const id = newClaimId([]);
    assert.match(id, /^[0-9a-f]{24}$/);
    assert.deepEqual(parseClaimId(id), { id, folder: [] });
    assert.notEqual(newClaimId([]), id, 'random');
  });

  test('a folder rides along in base64url and comes back as its segments', () => {
    const folder = ['inbox', 'partner a', 'Ünïcode', '50%'];
    const id = newClaimId(folder);
    assert.match(id, /^[0-9a-f]{24}\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(parseClaimId(id)?.folder, folder);
  });

  test('any folder that fits round-trips, and every id with its lease marker stays under 255 bytes', () => {
    const segment = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((s) => !s.includes('/'));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (folder) => {
        fc.pre(claimFolderFits(folder));
        const id = newClaimId(folder);
        assert.deepEqual(parseClaimId(id)?.folder, folder);
        assert.ok(Buffer.byteLength(leaseMarkerName(id, Number.MAX_SAFE_INTEGER)) <= 255);
      }),
    );
  });

  test('a folder path over MAX_CLAIM_FOLDER_BYTES does not fit (the caller answers 400)', () => {
    assert.equal(claimFolderFits(['x'.repeat(MAX_CLAIM_FOLDER_BYTES)]), true);
    const longest = newClaimId(['x'.repeat(MAX_CLAIM_FOLDER_BYTES)]);
    assert.ok(leaseMarkerName(longest, Number.MAX_SAFE_INTEGER).length <= 255, 'the longest marker is a legal name');
    assert.equal(claimFolderFits(['x'.repeat(MAX_CLAIM_FOLDER_BYTES + 1)]), false);
    assert.equal(claimFolderFits(['é'.repeat(MAX_CLAIM_FOLDER_BYTES / 2), 'x']), false, 'bytes of UTF-8, not characters');
    assert.throws(() => newClaimId(['x'.repeat(MAX_CLAIM_FOLDER_BYTES + 1)]), RangeError);
  });

  test('anything else is not an id', () => {
    const good = newClaimId(['inbox']);
    for (const bad of [
      '',
      'a'.repeat(23),
      'a'.repeat(25),
      'A'.repeat(24),
      `${'a'.repeat(24)}.`,
      `${'a'.repeat(24)}.aW5ib3g=`, // padding: not the canonical form
      `${'a'.repeat(24)}.aW5ib3h`, // non-canonical trailing bits
      `${'a'.repeat(24)}.L2V0Yw`, // "/etc": an empty first segment
      `${'a'.repeat(24)}.YS8vYg`, // "a//b"
      `${'a'.repeat(24)}./`,
      `${'a'.repeat(24)}.${'A'.repeat(201)}`,
      `${good}.lease-1`,
      `../${good}`,
      `${good}\r\nDELE x`,
      ` ${good}`,
    ]) {
      assert.equal(parseClaimId(bad), null, JSON.stringify(bad));
    }
  });

  test('"." and ".." decode as segments: the HTTP layer refuses them with the path rules', () => {
    const dots = `${'a'.repeat(24)}.${Buffer.from('a/..').toString('base64url')}`;
    assert.deepEqual(parseClaimId(dots)?.folder, ['a', '..']);
  });
});
