// Lease markers (src/gateway/claims/leaseMarker.ts): `{id}.lease-{ms}`, the
// expiry of a claim held on the FTP server as a name.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newClaimId } from '../../../../src/gateway/claims/claimId.js';
import { leaseMarkerName, parseLeaseMarker } from '../../../../src/gateway/claims/leaseMarker.js';

describe('lease markers', () => {
  test('name and parse are inverses, for root and folder ids and any expiry', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (inFolder, expiresAt) => {
        const id = newClaimId(inFolder ? ['in', 'box'] : []);
        assert.deepEqual(parseLeaseMarker(leaseMarkerName(id, expiresAt)), { id, expiresAt });
      }),
    );
  });

  test('the form on the server', () => {
    assert.equal(leaseMarkerName('0123456789abcdef01234567', 1_765_000_000_000), '0123456789abcdef01234567.lease-1765000000000');
  });

  test('other names are not markers: a claim folder, a file, a malformed expiry', () => {
    for (const name of ['0123456789abcdef01234567', 'invoice.csv', 'x.lease-', 'x.lease-12a', 'x.lease-99999999999999999', '.lease-1']) {
      assert.equal(parseLeaseMarker(name), null, name);
    }
  });

  test('an expiry that is not a non-negative integer is refused when naming', () => {
    assert.throws(() => leaseMarkerName('a', -1), RangeError);
    assert.throws(() => leaseMarkerName('a', 1.5), RangeError);
  });
});
