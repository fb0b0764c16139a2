// The transfer matrix through HTTP: {vsftpd, pure-ftpd, proftpd, and the BSD
// ftpds inetutils and netkit (not chrooted: the root is their login directory)} ×
// {passive, active} × {binary, ascii with eol lf/crlf}, each an upload (PUT,
// and multipart) then a download, compared by hash.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FtpServerKind, RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import { serverSkip } from '../../helpers/requireServers.js';
import {
  API,
  ftpServerConfig,
  gatewayConfig,
  multipartBody,
  sha256,
  startGateway,
  type RunningGateway,
} from '../../helpers/httpHarness.js';

const KINDS: readonly FtpServerKind[] = ['vsftpd', 'pure-ftpd', 'proftpd', 'inetutils-ftpd', 'netkit-ftpd'];
const MODES = ['passive', 'active'] as const;

for (const kind of KINDS) {
  describe(`HTTP transfer matrix on ${kind}`, serverSkip(kind), () => {
    let ftp: RunningFtpServer;
    let gw: RunningGateway;
    const binary = randomBytes(1024 * 1024 + 333);
    const textLf = `first\nsecond line\n${'y'.repeat(10_000)}\nlast\n`;
    const textCrlf = textLf.replace(/\n/g, '\r\n');

    before(async () => {
      ftp = await borrowFtpServer(kind, { ascii: true });
      gw = await startGateway(gatewayConfig([ftpServerConfig(ftp)]));
    });
    after(async () => {
      await gw?.close();
      await ftp?.stop();
    });

    for (const mode of MODES) {
      test(`${mode} binary: PUT, GET, Range, multipart`, async () => {
        const name = `bin-${mode}.bin`;
        const put = await gw.request('PUT', `${API}/files/m/${name}?mode=${mode}`, { body: binary });
        assert.equal(put.status, 201, put.text());
        assert.deepEqual(put.json(), { path: `m/${name}`, size: binary.length });
        assert.equal(sha256(readFileSync(join(ftp.root, 'm', name))), sha256(binary));

        const get = await gw.request('GET', `${API}/files/m/${name}?mode=${mode}`);
        assert.equal(get.status, 200);
        assert.equal(get.headers['content-length'], String(binary.length));
        assert.equal(sha256(get.body), sha256(binary));

        const part = await gw.request('GET', `${API}/files/m/${name}?mode=${mode}`, { headers: { range: 'bytes=1000-2999' } });
        assert.equal(part.status, 206);
        assert.equal(sha256(part.body), sha256(binary.subarray(1000, 3000)));

        const { body, contentType } = multipartBody([
          { field: 'a', filename: `mp1-${mode}.bin`, content: binary.subarray(0, 200_000) },
          { field: 'b', filename: `mp2-${mode}.bin`, content: binary.subarray(200_000) },
        ]);
        const mp = await gw.request('POST', `${API}/files/mp?mode=${mode}`, { headers: { 'content-type': contentType }, body });
        assert.equal(mp.status, 201, mp.text());
        assert.equal(
          sha256(
            Buffer.concat([readFileSync(join(ftp.root, 'mp', `mp1-${mode}.bin`)), readFileSync(join(ftp.root, 'mp', `mp2-${mode}.bin`))]),
          ),
          sha256(binary),
        );

        const list = await gw.request('GET', `${API}/dirs/m?mode=${mode}`);
        assert.equal(list.status, 200);
        const entry = list.json<{ entries: Array<{ name: string; size: number }> }>().entries.find((e) => e.name === name);
        assert.equal(entry?.size, binary.length);
      });

      test(`${mode} ascii: LF and CRLF in; eol=lf and eol=crlf out`, async () => {
        for (const [label, input] of [
          ['lf', textLf],
          ['crlf', textCrlf],
        ] as const) {
          const name = `text-${mode}-${label}.txt`;
          const put = await gw.request('PUT', `${API}/files/t/${name}?mode=${mode}&type=ascii`, { body: input });
          assert.equal(put.status, 201, put.text());
          // Every server stores text with its own (Unix) line ends.
          const stored = readFileSync(join(ftp.root, 't', name), 'latin1');
          assert.equal(sha256(stored), sha256(textLf), `${kind} stored ${label}`);
          assert.equal(put.json<{ size: number }>().size, Buffer.byteLength(textLf));

          const lf = await gw.request('GET', `${API}/files/t/${name}?mode=${mode}&type=ascii&eol=lf`);
          assert.equal(lf.status, 200);
          assert.equal(lf.headers['content-length'], undefined);
          assert.equal(sha256(lf.body), sha256(textLf), `${kind} eol=lf`);
          const crlf = await gw.request('GET', `${API}/files/t/${name}?mode=${mode}&eol=crlf`);
          // type=auto is not the default: the server default (binary) applies, bytes as stored.
          assert.equal(sha256(crlf.body), sha256(textLf));
          const auto = await gw.request('GET', `${API}/files/t/${name}?mode=${mode}&type=auto&eol=crlf`);
          assert.equal(sha256(auto.body), sha256(textCrlf), `${kind} type=auto eol=crlf`);
        }
      });
    }
  });
}
