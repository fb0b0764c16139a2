// FTPS and active-mode settings through the HTTP layer: the gateway's server
// config reaches the FTP client (TLS mode, CA, activePorts) and transfers
// stream whole through explicit and implicit FTPS in both data modes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import { serverSkip } from '../../helpers/requireServers.js';
import { API, ftpServerConfig, gatewayConfig, sha256, startGateway, type RunningGateway } from '../../helpers/httpHarness.js';

const CASES = [
  { kind: 'vsftpd', tls: 'explicit-required', mode: 'explicit' },
  { kind: 'vsftpd', tls: 'implicit', mode: 'implicit' },
  { kind: 'proftpd', tls: 'explicit-required', mode: 'explicit' },
  { kind: 'pure-ftpd', tls: 'explicit-required', mode: 'explicit' },
] as const;

for (const c of CASES) {
  describe(`HTTP over ${c.mode} FTPS on ${c.kind}`, serverSkip(c.kind), () => {
    let ftp: RunningFtpServer;
    let gw: RunningGateway;
    before(async () => {
      ftp = await borrowFtpServer(c.kind, { tls: c.tls });
      const range = 44_000 + Math.floor(Math.random() * 2_000);
      gw = await startGateway(
        gatewayConfig([
          ftpServerConfig(ftp, {
            tls: { mode: c.mode, rejectUnauthorized: true, ca: ftp.caPem ?? null, maxVersion: null },
            activePorts: [range, range + 20],
          }),
        ]),
      );
    });
    after(async () => {
      await gw?.close();
      await ftp?.stop();
    });

    for (const mode of ['passive', 'active'] as const) {
      test(`PUT then GET in ${mode} mode, byte-identical; the listing over TLS too`, async () => {
        const data = randomBytes(1_500_000);
        const put = await gw.request('PUT', `${API}/files/tls-${mode}.bin?mode=${mode}`, { body: data });
        assert.equal(put.status, 201);
        assert.equal(sha256(readFileSync(join(ftp.root, `tls-${mode}.bin`))), sha256(data));
        const get = await gw.request('GET', `${API}/files/tls-${mode}.bin?mode=${mode}`);
        assert.equal(get.status, 200);
        assert.equal(sha256(get.body), sha256(data));
        const list = await gw.request('GET', `${API}/dirs/?mode=${mode}`);
        assert.equal(list.status, 200);
        assert.ok(list.json<{ entries: Array<{ name: string }> }>().entries.some((e) => e.name === `tls-${mode}.bin`));
      });
    }
  });
}

describe('HTTP with an FTPS certificate that does not verify', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  before(async () => {
    ftp = await borrowFtpServer('vsftpd', { tls: 'explicit-required' });
    writeFileSync(join(ftp.root, 'f.txt'), 'x');
    gw = await startGateway(
      gatewayConfig([ftpServerConfig(ftp, { tls: { mode: 'explicit', rejectUnauthorized: true, ca: null, maxVersion: null } })]),
    );
  });
  after(async () => {
    await gw?.close();
    await ftp?.stop();
  });

  test('is refused with 502 and nothing is transferred', async () => {
    const get = await gw.request('GET', `${API}/files/f.txt`);
    assert.equal(get.status, 502);
    assert.equal(get.json<{ code?: string }>().code, 'FTP_TLS');
  });
});
