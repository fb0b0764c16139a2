// Range requests end to end against the BSD-derived ftpds (GNU inetutils and
// netkit), which forget a REST marker on any command other than the transfer itself:
// with REST sent before EPSV/EPRT it sends the file from byte 0, and the
// gateway would answer 206 with the wrong bytes. The account is not chrooted,
// so the gateway's root is the served folder's host path.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverSkip } from '../../../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../../helpers/servers/shared.js';
import { chownTree, ftpServerConfig, gatewayConfig, sha256, startGateway, type RunningGateway } from '../../../../helpers/httpHarness.js';

for (const kind of ['inetutils-ftpd', 'netkit-ftpd'] as const) {
  describe(`HTTP Range on ${kind} (REST forgotten by any other command)`, serverSkip(kind), () => {
    let ftp: RunningFtpServer;
    let gw: RunningGateway;
    // Above DIRECT_MIN_BYTES, so open ranges also take the kernel relay path.
    const big = randomBytes(2 * 1024 * 1024 + 123);

    before(async () => {
      ftp = await borrowFtpServer(kind);
      writeFileSync(join(ftp.root, 'big.bin'), big);
      chownTree(ftp.root);
      gw = await startGateway(
        gatewayConfig([
          ftpServerConfig(ftp, { name: 'passive', mode: 'passive' }),
          ftpServerConfig(ftp, { name: 'active', mode: 'active' }),
        ]),
      );
    });
    after(async () => {
      await gw?.close();
      await ftp?.stop();
    });

    for (const mode of ['passive', 'active'] as const) {
      test(`${mode}: bytes=100-199, bytes=100- and bytes=-100 → 206 with exactly those bytes`, async () => {
        const cases: Array<[string, number, number]> = [
          ['bytes=100-199', 100, 199],
          ['bytes=100-', 100, big.length - 1],
          ['bytes=-100', big.length - 100, big.length - 1],
        ];
        for (const [range, start, end] of cases) {
          const r = await gw.request('GET', `/api/v1/servers/${mode}/files/big.bin`, { headers: { range } });
          assert.equal(r.status, 206, range);
          assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${big.length}`, range);
          assert.equal(r.body.length, end - start + 1, range);
          assert.equal(sha256(r.body), sha256(big.subarray(start, end + 1)), `${range}: the bytes of the range, not of the file's start`);
        }
        const whole = await gw.request('GET', `/api/v1/servers/${mode}/files/big.bin`);
        assert.equal(whole.status, 200);
        assert.equal(sha256(whole.body), sha256(big), 'no marker left behind for the next download');
      });
    }
  });
}
