// The gateway against the transcripts of legacy servers (IIS, z/OS, OS/400,
// OpenVMS; test/fixtures/legacy/, replayed by legacyFtpServer.ts over a real
// folder): each must upload, download, list and answer a Range with the right
// bytes, or degrade as the contract says: no SIZE → chunked, no
// Content-Length; no REST → the whole file (200); no MDTM → no
// Last-Modified; FEAT refused → defaults; 125 and 250 where others say 150
// and 226, and IIS's 226 before its data connection has closed; SITE
// commands after login; ACCT on 332; control channels in latin1, cp1252, cp437.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from '../../../src/config/index.js';
import { API, gatewayConfig, serverConfig, sha256, startGateway, type RunningGateway } from '../../helpers/httpHarness.js';
import { loadTranscript, startLegacyFtpServer, type LegacyServer } from '../../helpers/legacyFtpServer.js';
import type { MiniFtpServer } from '../../helpers/miniFtpServer.js';

interface Case {
  name: LegacyServer;
  /** What the transcript refuses, and so what the responses must show. */
  size: boolean;
  rest: boolean;
  mdtm: boolean;
  config: Partial<ServerConfig>;
  /** The SITE lines the server must have received after login. */
  site: string[];
}

const CASES: Case[] = [
  { name: 'iis', size: true, rest: true, mdtm: true, config: {}, site: [] },
  { name: 'zos', size: true, rest: true, mdtm: false, config: { siteCommands: ['RECFM=FB LRECL=80'] }, site: ['SITE RECFM=FB LRECL=80'] },
  {
    name: 'os400',
    size: true,
    rest: true,
    mdtm: true,
    config: { siteCommands: ['NAMEFMT 1', 'LISTFMT 1'] },
    site: ['SITE NAMEFMT 1', 'SITE LISTFMT 1'],
  },
  { name: 'vms', size: false, rest: false, mdtm: true, config: { encoding: 'latin1' }, site: [] },
];

const lines = (ftp: MiniFtpServer): string[] => ftp.reads.join('').split('\r\n');

for (const c of CASES) {
  describe(`legacy server transcript: ${c.name} (${loadTranscript(c.name).server})`, () => {
    let ftp: MiniFtpServer;
    let gw: RunningGateway;
    const payload = randomBytes(300_000);

    before(async () => {
      ftp = await startLegacyFtpServer(c.name);
      // An absolute root: only IIS and OS/400 (NAMEFMT 1) answer PWD with a Unix path.
      gw = await startGateway(
        gatewayConfig([serverConfig({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password, ...c.config })]),
      );
    });
    after(async () => {
      await gw?.close();
      await ftp?.close();
    });

    test('upload, download, HEAD, Range and listing: the right bytes, or the documented degradation', async () => {
      const put = await gw.request('PUT', `${API}/files/in/data.bin`, { body: payload });
      assert.equal(put.status, 201, put.text());
      assert.deepEqual(put.json(), { path: 'in/data.bin', size: payload.length });
      assert.equal(sha256(readFileSync(join(ftp.root, 'in', 'data.bin'))), sha256(payload));

      const get = await gw.request('GET', `${API}/files/in/data.bin`);
      assert.equal(get.status, 200);
      assert.equal(sha256(get.body), sha256(payload));
      if (c.size) assert.equal(get.headers['content-length'], String(payload.length));
      else {
        assert.equal(get.headers['content-length'], undefined, 'no SIZE: no Content-Length');
        assert.equal(get.headers['transfer-encoding'], 'chunked');
      }

      const head = await gw.request('HEAD', `${API}/files/in/data.bin`);
      assert.equal(head.status, 200);
      assert.equal(head.headers['last-modified'] !== undefined, c.mdtm, `Last-Modified ${c.mdtm ? 'from MDTM' : 'absent without MDTM'}`);

      const range = await gw.request('GET', `${API}/files/in/data.bin`, { headers: { range: 'bytes=1000-2999' } });
      if (c.rest) {
        assert.equal(range.status, 206);
        assert.equal(sha256(range.body), sha256(payload.subarray(1000, 3000)));
      } else {
        assert.equal(range.status, 200, 'no REST: the whole file, never wrong bytes');
        assert.equal(range.headers['content-range'], undefined);
        assert.equal(sha256(range.body), sha256(payload));
      }

      const list = await gw.request('GET', `${API}/dirs/in`);
      assert.equal(list.status, 200, list.text());
      const entry = list
        .json<{ entries: Array<{ name: string; type: string; size: number | null }> }>()
        .entries.find((e) => e.name === 'data.bin');
      assert.deepEqual(entry && [entry.type, entry.size], ['file', payload.length]);

      for (const site of c.site) assert.ok(lines(ftp).includes(site), `${site} sent after login`);
    });

    test('a missing file is 404 and a folder 409, whatever the server lacks', async () => {
      writeFileSync(join(ftp.root, 'here.txt'), 'x');
      assert.equal((await gw.request('GET', `${API}/files/missing.bin`)).status, 404);
      assert.equal((await gw.request('GET', `${API}/files/in`)).status, 409);
    });
  });
}

describe('legacy servers: what the transcripts add', () => {
  test('z/OS: a PWD of "\'USER.\'" cannot anchor a login-relative root: 502, nothing guessed', async (t) => {
    const ftp = await startLegacyFtpServer('zos');
    const gw = await startGateway(
      gatewayConfig([
        serverConfig({
          host: ftp.host,
          port: ftp.port,
          user: ftp.user,
          password: ftp.password,
          root: { relativeTo: 'login', segments: [] },
        }),
      ]),
    );
    t.after(async () => {
      await gw.close();
      await ftp.close();
    });
    writeFileSync(join(ftp.root, 'f.bin'), 'data');
    const get = await gw.request('GET', `${API}/files/f.bin`);
    assert.equal(get.status, 502);
    assert.equal(get.json<{ ftpCode?: number }>().ftpCode, 257);
    assert.ok(!get.text().includes('USER.'), 'the server text stays out of the body');
  });

  test('no SIZE, but a 150 that names the size: Content-Length from it; a 150 naming more than comes is a cut, never a success', async (t) => {
    const ftp = await startLegacyFtpServer('vms', { opening: '150 Opening data connection for {path} ({size} bytes)' });
    const liar = await startLegacyFtpServer('vms', { opening: '150 Opening data connection for {path} (999999 bytes)' });
    const config = (s: MiniFtpServer, name: string) =>
      serverConfig({ name, host: s.host, port: s.port, user: s.user, password: s.password, encoding: 'latin1' });
    const gw = await startGateway(gatewayConfig([config(ftp, 'told'), config(liar, 'liar')]));
    t.after(async () => {
      await gw.close();
      await ftp.close();
      await liar.close();
    });
    const payload = randomBytes(70_000);
    writeFileSync(join(ftp.root, 'v.bin'), payload);
    const get = await gw.request('GET', '/api/v1/servers/told/files/v.bin');
    assert.equal(get.status, 200);
    assert.equal(get.headers['content-length'], String(payload.length), 'the size the 150 named');
    assert.equal(get.headers['transfer-encoding'], undefined);
    assert.equal(sha256(get.body), sha256(payload));

    writeFileSync(join(liar.root, 'v.bin'), payload);
    const cut = await new Promise<{ status: number; complete: boolean; bytes: number }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: gw.port, path: '/api/v1/servers/liar/files/v.bin', agent: false }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('error', () => undefined);
          res.on('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete, bytes }));
        })
        .on('error', reject);
    });
    assert.equal(cut.status, 200);
    assert.equal(cut.complete, false, 'fewer bytes than the 150 named: the response is cut, not ended');
    assert.equal(cut.bytes, payload.length);
  });

  test('SIZE but no REST: a Range gets the whole file (200), the first time and after, and REST is not tried again', async (t) => {
    const iis = loadTranscript('iis');
    const ftp = await startLegacyFtpServer('iis', { replies: { ...iis.replies, REST: '502 REST command not implemented.' } });
    const gw = await startGateway(
      gatewayConfig([serverConfig({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password })]),
    );
    t.after(async () => {
      await gw.close();
      await ftp.close();
    });
    const payload = randomBytes(50_000);
    writeFileSync(join(ftp.root, 'r.bin'), payload);
    for (const attempt of ['first', 'second']) {
      const range = await gw.request('GET', `${API}/files/r.bin`, { headers: { range: 'bytes=100-199' } });
      assert.equal(range.status, 200, `${attempt} range`);
      assert.equal(range.headers['content-range'], undefined);
      assert.equal(range.headers['content-length'], String(payload.length));
      assert.equal(sha256(range.body), sha256(payload), `${attempt}: the whole file`);
    }
    assert.equal(lines(ftp).filter((l) => l.startsWith('REST')).length, 1, 'REST refused once, then known');
  });

  test('332 after PASS: the configured account logs in through ACCT; without one the login is refused (502)', async (t) => {
    const ftp = await startLegacyFtpServer('zos', { account: 'ACCT-7' });
    const login = { host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password };
    const gw = await startGateway(
      gatewayConfig([serverConfig({ ...login, name: 'with', account: 'ACCT-7' }), serverConfig({ ...login, name: 'without' })]),
    );
    t.after(async () => {
      await gw.close();
      await ftp.close();
    });
    writeFileSync(join(ftp.root, 'a.txt'), 'account');
    const ok = await gw.request('GET', '/api/v1/servers/with/files/a.txt');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), 'account');
    const refused = await gw.request('GET', '/api/v1/servers/without/files/a.txt');
    assert.equal(refused.status, 502);
    assert.equal(refused.json<{ ftpCode?: number }>().ftpCode, 332);
    assert.ok(!refused.text().includes('ACCT-7'));
  });

  // The same name in three single-byte encodings, each its own bytes on the wire
  // (é: 0xE9 in latin1 and cp1252, 0x82 in cp437; €: 0x80 in cp1252 only).
  for (const [encoding, name] of [
    ['latin1', 'café.txt'],
    ['cp1252', '€uro café.txt'],
    ['cp437', 'café ½.txt'],
  ] as const) {
    test(`a ${encoding} control channel (OPTS UTF8 refused): "${name}" lists, downloads and uploads under its name`, async (t) => {
      const ftp = await startLegacyFtpServer('vms', { encoding });
      const gw = await startGateway(
        gatewayConfig([serverConfig({ host: ftp.host, port: ftp.port, user: ftp.user, password: ftp.password, encoding })]),
      );
      t.after(async () => {
        await gw.close();
        await ftp.close();
      });
      writeFileSync(join(ftp.root, name), 'crème');
      const list = await gw.request('GET', `${API}/dirs/`);
      assert.deepEqual(
        list.json<{ entries: Array<{ name: string }> }>().entries.map((e) => e.name),
        [name],
      );
      const get = await gw.request('GET', `${API}/files/${encodeURIComponent(name)}`);
      assert.equal(get.status, 200);
      assert.equal(get.body.toString('utf8'), 'crème');
      const put = await gw.request('PUT', `${API}/files/${encodeURIComponent(`up ${name}`)}`, { body: 'up' });
      assert.equal(put.status, 201, put.text());
      assert.equal(readFileSync(join(ftp.root, `up ${name}`), 'utf8'), 'up');
      // The server decoded the control channel as `encoding`: another encoding would have named another file.
      assert.ok(lines(ftp).includes(`RETR /${name}`), lines(ftp).join(' | '));
    });
  }
});
