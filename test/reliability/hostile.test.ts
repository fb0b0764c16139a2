// Hostile input from HTTP callers, refused with the documented status before
// anything reaches the FTP server — checked on the server side of the fault
// proxy (no new command, no new control connection) — and hostile peers:
// a 227 naming a third host, a thief on the active-mode data port, an FTPS
// certificate that does not verify, callers trying each other's FTP login.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, chownSync, statSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type Config } from '../../src/config/index.js';
import { serverSkip } from '../helpers/requireServers.js';
import type { RunningFtpServer } from '../helpers/servers/index.js';
import { borrowFtpServer } from '../helpers/servers/shared.js';
import { multipartBody, sha256 } from '../helpers/httpHarness.js';
import { API, diskNames, putOnDisk, randomContent, startRig, type Rig } from './harness.js';
import { recordFigures, SecretScan } from './summary.js';

const WRITE_KEY = 'rel-write-key-8c1d2e3f4a5b';
const READ_KEY = 'rel-read-key-1a2b3c4d5e6f';
const AUTH: Config['auth'] = {
  apiKeys: [
    { key: WRITE_KEY, scope: 'write' },
    { key: READ_KEY, scope: 'read' },
  ],
  disabled: false,
};
const MiB = 1024 * 1024;

const hostile = { tried: 0, refused: 0, reachedFtp: 0 };

/**
 * Waits until no command reached the server for a while. A client that hangs
 * up as soon as it has Content-Length bytes can make the gateway send a late
 * ABOR for a transfer that was complete (see the report); that must not be
 * counted against the next request.
 */
async function settle(rig: Rig): Promise<void> {
  for (let seen = -1; seen !== rig.proxy.commands.length; ) {
    seen = rig.proxy.commands.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
const peers = { tried: 0, refused: 0 };

/** Sends raw bytes as an HTTP request; resolves the status code of the answer. */
function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`no status: ${JSON.stringify(text.slice(0, 100))}`)));
    socket.write(request, 'latin1');
  });
}

describe('hostile input and hostile peers', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let scan: SecretScan;
  let rig: Rig;
  const DATA_ROOT = { relativeTo: '/', segments: ['data'] } as const;
  const rigs: Rig[] = [];
  const w = { authorization: `Bearer ${WRITE_KEY}` };
  const r = { 'x-api-key': READ_KEY };

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    scan = new SecretScan([ftp.password, WRITE_KEY, READ_KEY]);
    // The gateway's root is /data: a path that escaped it would show in the commands.
    mkdirSync(join(ftp.root, 'data'));
    const { uid, gid } = statSync(ftp.root);
    chownSync(join(ftp.root, 'data'), uid, gid);
    await putOnDisk(ftp, 'data/victim.txt', 'do not delete me');
    await putOnDisk(ftp, 'outside.txt', 'outside the gateway root');
    rig = await startRig({
      reuse: ftp,
      scan,
      server: { root: DATA_ROOT, pool: { max: 2, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 } },
      config: {
        auth: AUTH,
        limits: { ...DEFAULT_LIMITS, maxUploadBytes: MiB, maxFiles: 3, maxFields: 10, maxFieldSize: 1024 },
      },
    });
    rigs.push(rig);
    // One session sits idle in the pool: "nothing sent" covers it too.
    assert.equal((await rig.request('GET', `${API}/files/victim.txt`, { headers: w })).status, 200);
    await settle(rig);
  });

  after(async () => {
    for (const x of rigs) await x.close().catch(() => undefined);
    await ftp?.stop();
    recordFigures('hostile', { hostile, peers, secrets: scan?.figures() ?? { bytesScanned: 0, leaks: [] } });
  });

  /** Sends one hostile request; it must get one of `statuses` and send nothing to the FTP server. */
  async function refused(
    method: string,
    path: string,
    statuses: number[],
    options: { headers?: Record<string, string>; body?: Buffer | string } = {},
  ): Promise<void> {
    hostile.tried++;
    const commands = rig.proxy.commands.length;
    const controls = rig.proxy.totalControls;
    const res = await rig.request(method, path, {
      headers: { ...w, ...options.headers },
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    const sent = rig.proxy.commands.slice(commands);
    if (sent.length > 0 || rig.proxy.totalControls !== controls) hostile.reachedFtp++;
    assert.ok(statuses.includes(res.status), `${method} ${path.slice(0, 120)} → ${res.status} ${res.text().slice(0, 200)}`);
    assert.deepEqual(sent, [], `${method} ${path.slice(0, 120)} reached the FTP server`);
    if (res.status < 500 && res.status !== 431 && res.status !== 414 && res.headers['content-type']) {
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    }
    hostile.refused++;
  }

  const traversal = [
    '..',
    'a/../../outside.txt',
    '%2e%2e/outside.txt',
    '%2E%2e',
    '.%2E/outside.txt',
    '%2e%2E%2foutside.txt',
    'a%2fb',
    'a%2F..%2F..%2Foutside.txt',
    '%2Foutside.txt',
    '%2fetc%2fpasswd',
    'a%5cb',
    '%5c..%5coutside.txt',
    'a%00b',
    'victim.txt%00.jpg',
    'a%0db',
    'a%0ab',
    'x%0d%0aDELE%20victim.txt',
    'x%0aDELE%20victim.txt',
    'x%0d%0aDELE%20/outside.txt',
    '%zz',
    'a%e0',
    'ok%zz/x',
  ];

  test('paths: traversal, encoded separators, backslashes, NUL, CR, LF, injected commands → 400, nothing sent', async () => {
    for (const p of traversal) {
      await refused('GET', `${API}/files/${p}`, [400]);
      await refused('PUT', `${API}/files/${p}`, [400], { body: 'x' });
      await refused('DELETE', `${API}/files/${p}`, [400]);
      await refused('GET', `${API}/dirs/${p}`, [400]);
    }
    await refused('GET', `${API}/files/a\\b`, [400]);
    // Raw CR/LF/NUL in the request line: the HTTP parser refuses them before any route runs.
    for (const raw of ['x\r\nDELE victim.txt', 'x\nDELE victim.txt', 'x\u0000y', 'x DELE victim.txt']) {
      hostile.tried++;
      const commands = rig.proxy.commands.length;
      const status = await rawStatus(rig.port, `GET ${API}/files/${raw} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${WRITE_KEY}\r\n\r\n`);
      if (rig.proxy.commands.length !== commands) hostile.reachedFtp++;
      assert.equal(status, 400, JSON.stringify(raw));
      assert.equal(rig.proxy.commands.length, commands);
      hostile.refused++;
    }
    await refused('GET', `/api/v1/servers/..%2fdefault/files/victim.txt`, [400, 404]);
    assert.equal(readFileSync(join(ftp.root, 'data/victim.txt'), 'utf8'), 'do not delete me');
  });

  test('very long paths and headers → 431/414/400, nothing sent', async () => {
    await refused('GET', `${API}/files/${'a'.repeat(20_000)}`, [400, 414, 431]);
    await refused('GET', `${API}/files/${'a/'.repeat(10_000)}x`, [400, 414, 431]);
    await refused('GET', `${API}/files/victim.txt`, [431], { headers: { 'x-padding': 'p'.repeat(64 * 1024) } });
  });

  test('move: bad from/to and malformed JSON → 400, nothing sent', async () => {
    const json = { 'content-type': 'application/json' };
    const bodies = [
      { from: '../outside.txt', to: 'x.txt' },
      { from: 'victim.txt', to: '../../escaped.txt' },
      { from: 'victim.txt', to: 'a/../../b' },
      { from: 'a\\b', to: 'c' },
      { from: 'victim.txt', to: 'x\r\nDELE victim.txt' },
      { from: 'victim.txt', to: 'x\nDELE victim.txt' },
      { from: 'victim.txt\u0000', to: 'y' },
      { from: '.', to: 'y' },
      { from: '', to: 'y' },
      { from: 7, to: 'y' },
      { from: 'victim.txt' },
      { from: 'victim.txt', to: 'y', overwrite: 'yes' },
    ];
    for (const b of bodies) await refused('POST', `${API}/move`, [400], { headers: json, body: JSON.stringify(b) });
    for (const raw of ['{"from": "a", "to": ', '{from: a}', 'null', '[]', '"x"'])
      await refused('POST', `${API}/move`, [400], { headers: json, body: raw });
  });

  test('unknown query values → 400, nothing sent', async () => {
    for (const q of [
      'mode=bogus',
      'type=ebcdic',
      'eol=cr',
      'atomic=maybe',
      'append=1',
      'mkdirs=yes',
      'mode=passive&mode=active',
      'type=binary%0d%0aDELE',
    ]) {
      await refused('GET', `${API}/files/victim.txt?${q}`, [400]);
    }
    await refused('DELETE', `${API}/dirs/sub?recursive=sure`, [400]);
    await refused('PUT', `${API}/files/new.txt?atomic=nope`, [400], { body: 'x' });
  });

  test('oversized body declared in Content-Length → 413, nothing sent', async () => {
    await refused('PUT', `${API}/files/big.bin`, [413], { body: randomContent(2 * MiB) });
    assert.ok(!existsSync(join(ftp.root, 'data/big.bin')));
  });

  test('auth: no key, wrong key, read key on writes, keys in the query string → 401/403, nothing sent', async () => {
    const none = { authorization: '', 'x-api-key': '' };
    await refused('GET', `${API}/files/victim.txt`, [401], { headers: none });
    await refused('GET', `${API}/files/victim.txt`, [401], { headers: { authorization: 'Bearer wrong-key-0000000' } });
    await refused('GET', `${API}/files/victim.txt`, [401], { headers: { authorization: '', 'x-api-key': `${WRITE_KEY}x` } });
    await refused('GET', `${API}/files/victim.txt`, [401], {
      headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
    });
    for (const q of [
      `api_key=${WRITE_KEY}`,
      `apiKey=${WRITE_KEY}`,
      `key=${WRITE_KEY}`,
      `access_token=${WRITE_KEY}`,
      `token=${WRITE_KEY}`,
    ]) {
      await refused('GET', `${API}/files/victim.txt?${q}`, [400, 401], { headers: none });
    }
    const read = { authorization: '', ...r };
    await refused('PUT', `${API}/files/victim.txt`, [403], { headers: read, body: 'overwritten' });
    await refused('DELETE', `${API}/files/victim.txt`, [403], { headers: read });
    await refused('POST', `${API}/dirs/newdir`, [403], { headers: read });
    await refused('DELETE', `${API}/dirs/sub`, [403], { headers: read });
    await refused('POST', `${API}/move`, [403], {
      headers: { ...read, 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'victim.txt', to: 'moved.txt' }),
    });
    const mp = multipartBody([{ field: 'f', filename: 'x.txt', content: 'x' }]);
    await refused('POST', `${API}/files/`, [403], { headers: { ...read, 'content-type': mp.contentType }, body: mp.body });
    assert.equal(readFileSync(join(ftp.root, 'data/victim.txt'), 'utf8'), 'do not delete me');
  });

  test('multipart: file names with ../, slashes, backslashes, CR/LF, empty → 400; the bad name never reaches the FTP server', async () => {
    const names = [
      '../evil.txt',
      '..',
      'a/evil.txt',
      '/evil.txt',
      'a\\evil.txt',
      'evil\r\nDELE victim.txt',
      'evil\nDELE victim.txt',
      'evil\u0000.txt',
      '',
    ];
    for (const name of names) {
      hostile.tried++;
      const before = rig.proxy.commands.length;
      const files = diskNames(ftp.root).length;
      const mp = multipartBody([
        { field: 'ok', filename: 'fine.txt', content: 'fine' },
        { field: 'bad', filename: name, content: 'evil content' },
      ]);
      const res = await rig.request('POST', `${API}/files/up`, { headers: { ...w, 'content-type': mp.contentType }, body: mp.body });
      const sent = rig.proxy.commands.slice(before);
      const leaked = sent.filter((c) => /evil|victim/i.test(c));
      if (leaked.length > 0) hostile.reachedFtp++;
      if (name === '' && res.status === 201) {
        // busboy reports `filename=""` (what a browser sends for an empty file
        // input) as a part without a filename: ignored, as the contract says.
        assert.deepEqual(
          res.json<Array<{ path: string }>>().map((e) => e.path),
          ['up/fine.txt'],
        );
        await rig.request('DELETE', `${API}/files/up/fine.txt`, { headers: w });
        hostile.refused++;
        continue;
      }
      assert.equal(res.status, 400, `${JSON.stringify(name)} → ${res.status} ${res.text()}`);
      assert.deepEqual(leaked, [], `${JSON.stringify(name)} reached the FTP server`);
      // What the earlier part stored was removed again: nothing new on disk but the folder.
      const extra = diskNames(ftp.root).filter((n) => n.startsWith('data/up/'));
      assert.deepEqual(extra, [], `left behind: ${extra.join(', ')}`);
      assert.ok(diskNames(ftp.root).length <= files + 1);
      hostile.refused++;
    }
    assert.equal(readFileSync(join(ftp.root, 'data/victim.txt'), 'utf8'), 'do not delete me');
  });

  test('streamed bodies over the limits → 413 and nothing kept (these necessarily reach the server)', async () => {
    peers.tried++;
    async function* chunked(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 24; i++) yield randomContent(128 * 1024);
    }
    const res = await rig.request('PUT', `${API}/files/streamed.bin`, { headers: w, body: chunked() });
    assert.equal(res.status, 413);
    const tooMany = multipartBody([1, 2, 3, 4, 5].map((i) => ({ field: `f${i}`, filename: `many${i}.txt`, content: 'x' })));
    const res2 = await rig.request('POST', `${API}/files/many`, {
      headers: { ...w, 'content-type': tooMany.contentType },
      body: tooMany.body,
    });
    assert.equal(res2.status, 413);
    const kept = diskNames(ftp.root).filter((n) => /streamed|many\d|ftpgw-part/.test(n));
    assert.deepEqual(kept, []);
    peers.refused++;
  });

  test('Content-Disposition on download cannot be used to inject headers', async () => {
    const names = ['q"; filename=evil.sh; x=".txt', 'a%0d%0aX-Injected: 1.txt', 'naïve ☃ file.txt', "semi;colon,comma'quote.txt"];
    for (const name of names) {
      peers.tried++;
      await putOnDisk(ftp, `data/${name}`, 'content');
      const res = await rig.request('GET', `${API}/files/${encodeURIComponent(name)}`, { headers: w });
      assert.equal(res.status, 200, name);
      assert.equal(res.headers['x-injected'], undefined);
      const cd = String(res.headers['content-disposition']);
      assert.doesNotMatch(cd, /[\r\n]/);
      // filename* (RFC 8187) carries the exact name; else the quoted string (its quoted-pairs undone) is the name itself.
      const star = /filename\*=UTF-8''([^;]+)/.exec(cd)?.[1];
      const plain = /filename="((?:[^"\\]|\\.)*)"/.exec(cd)?.[1]?.replace(/\\(.)/g, '$1');
      assert.equal(star !== undefined ? decodeURIComponent(star) : plain, name, cd);
      peers.refused++;
    }
  });

  test('absolute paths stay inside the configured root', async () => {
    peers.tried++;
    const before = rig.proxy.commands.length;
    const res = await rig.request('GET', `${API}/files//outside.txt`, { headers: w });
    assert.equal(res.status, 404, 'the root-level outside.txt is not reachable through root /data');
    // "SIZE /" is the client's once-per-session probe (does this server size directories?), not a path of ours.
    const args = rig.proxy.commands.slice(before).filter((c) => /^(CWD|SIZE|MDTM|RETR|MLST|STAT) /.test(c) && c !== 'SIZE /');
    assert.ok(args.length > 0);
    for (const c of args) assert.match(c, /^\w+ \/data\//, c);
    peers.refused++;
  });

  test('pass-through credentials are never shared between callers', async () => {
    const pt = await startRig({ reuse: ftp, scan, server: { user: null, password: null, root: DATA_ROOT } });
    rigs.push(pt);
    const basic = (user: string, pass: string): Record<string, string> => ({
      authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
    });
    const first = await pt.request('GET', `${API}/files/victim.txt`, { headers: basic(ftp.user, ftp.password) });
    assert.equal(first.status, 200);
    assert.ok(pt.proxy.openControls >= 1, "the first caller's session is pooled");
    for (const wrong of [basic(ftp.user, 'wrong-password'), basic(ftp.user, `${ftp.password} `), basic('nobody', ftp.password), {}]) {
      peers.tried++;
      const res = await pt.request('GET', `${API}/files/victim.txt`, { headers: wrong });
      assert.equal(res.status, 401, `${res.status} ${res.text()}`);
      peers.refused++;
    }
    assert.equal((await pt.request('GET', `${API}/files/victim.txt`, { headers: basic(ftp.user, ftp.password) })).status, 200);
    // Its logger knows no configured password, and the FTP diagnostics channels
    // are process-wide: left running, it would log other rigs' FTP commands unmasked.
    await pt.close();
    rigs.splice(rigs.indexOf(pt), 1);
  });

  test(
    'a read key testing password guesses in paths learns nothing, on a server that echoes paths in its 550',
    serverSkip('proftpd'),
    async () => {
      const echo = await borrowFtpServer('proftpd');
      try {
        mkdirSync(join(echo.root, 'data'));
        const { uid, gid } = statSync(echo.root);
        chownSync(join(echo.root, 'data'), uid, gid);
        const echoScan = new SecretScan([echo.password, WRITE_KEY, READ_KEY]);
        const x = await startRig({
          reuse: echo,
          scan: echoScan,
          server: { root: DATA_ROOT },
          config: {
            auth: AUTH,
          },
        });
        rigs.push(x);
        const guesses = ['guess-one', echo.password, `x${echo.password}x`, 'guess-two'];
        const bodies: string[] = [];
        for (const guess of guesses) {
          const res = await x.request('GET', `${API}/dirs/${encodeURIComponent(guess)}/etc/`, { headers: r });
          assert.equal(res.status, 404, res.text());
          assert.ok(!res.text().includes('/data'), `the server-side root in ${res.text()}`);
          bodies.push(res.text());
        }
        assert.equal(new Set(bodies).size, 1, `one body whatever the guess: ${bodies.join(' | ')}`);
        assert.ok(
          x.proxy.commands.some((c) => c.startsWith('CWD /data/')),
          'the guesses did reach the FTP server',
        );
        // The scan covers the log too: the echoed guess that was the password is not in it.
        assert.deepEqual(echoScan.leaks, []);
        await x.close();
        rigs.splice(rigs.indexOf(x), 1);
      } finally {
        await echo.stop();
      }
    },
  );

  test('a 227 naming a third host is not followed there', async () => {
    peers.tried++;
    const x = await startRig({ reuse: ftp, scan, server: { mode: 'passive', root: DATA_ROOT } });
    rigs.push(x);
    x.proxy.refuseCommands(['EPSV']);
    x.proxy.rewritePassiveHost('127.0.0.2');
    const res = await x.request('GET', `${API}/files/victim.txt`);
    assert.ok(x.proxy.commands.includes('PASV'), 'PASV was used');
    assert.equal(x.proxy.thirdHostConnections, 0, 'nobody connected to the third host');
    // The gateway used the control connection's peer instead (or refused): never the third host.
    assert.ok(res.status === 200 || res.status === 502, `${res.status}`);
    if (res.status === 200) assert.equal(res.text(), 'do not delete me');
    peers.refused++;
  });

  test('the active-mode data port drops a connection that does not come from the server (data-port theft)', async () => {
    peers.tried++;
    const x = await startRig({ reuse: ftp, scan, server: { mode: 'active', root: DATA_ROOT } });
    rigs.push(x);
    let thief: { dropped: boolean; bytes: number } | undefined;
    x.proxy.onCommand(async (command) => {
      const m = /^EPRT \|1\|[\d.]+\|(\d+)\|/.exec(command) ?? /^PORT \d+,\d+,\d+,\d+,(\d+),(\d+)/.exec(command);
      if (!m || thief) return;
      const port = m[2] !== undefined ? Number(m[1]) * 256 + Number(m[2]) : Number(m[1]);
      // The thief connects first, from another address, before the server is told the port.
      thief = await new Promise((resolve) => {
        let bytes = 0;
        const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
        s.on('data', (c: Buffer) => (bytes += c.length));
        s.on('error', () => undefined);
        s.on('close', () => resolve({ dropped: true, bytes }));
        setTimeout(() => {
          s.destroy();
          resolve({ dropped: false, bytes });
        }, 3_000).unref();
      });
    });
    const secret = randomContent(256 * 1024);
    const put = await x.request('PUT', `${API}/files/active-upload.bin`, { body: secret });
    x.proxy.onCommand(null);
    assert.equal(put.status, 201, put.text());
    assert.ok(thief, 'the thief got its chance');
    assert.equal(thief.dropped, true, 'the thief was dropped');
    assert.equal(thief.bytes, 0, 'the thief received nothing');
    assert.equal(sha256(readFileSync(join(ftp.root, 'data/active-upload.bin'))), sha256(secret));
    peers.refused++;
  });

  test('FTPS with a certificate that does not verify is refused unless explicitly allowed', async () => {
    const tlsFtp = await borrowFtpServer('vsftpd', { tls: 'explicit' });
    try {
      const scanTls = scan;
      const direct = { port: tlsFtp.port };
      const strict = await startRig({
        reuse: tlsFtp,
        scan: scanTls,
        server: { ...direct, tls: { mode: 'explicit', rejectUnauthorized: true, ca: null, maxVersion: null } },
      });
      rigs.push(strict);
      peers.tried++;
      const refusedRes = await strict.request('GET', `${API}/dirs/`);
      assert.equal(refusedRes.status, 502, refusedRes.text());
      assert.equal(refusedRes.json<{ code: string }>().code, 'FTP_TLS');
      peers.refused++;
      const pinned = await startRig({
        reuse: tlsFtp,
        scan: scanTls,
        server: { ...direct, tls: { mode: 'explicit', rejectUnauthorized: true, ca: tlsFtp.caPem ?? null, maxVersion: null } },
      });
      rigs.push(pinned);
      assert.equal((await pinned.request('GET', `${API}/dirs/`)).status, 200, 'with the CA it verifies');
      const allowed = await startRig({
        reuse: tlsFtp,
        scan: scanTls,
        server: { ...direct, tls: { mode: 'explicit', rejectUnauthorized: false, ca: null, maxVersion: null } },
      });
      rigs.push(allowed);
      assert.equal((await allowed.request('GET', `${API}/dirs/`)).status, 200, 'explicitly allowed');
      for (const x of [strict, pinned, allowed]) {
        await x.close();
        rigs.splice(rigs.indexOf(x), 1);
      }
    } finally {
      await tlsFtp.stop();
    }
  });

  test('totals: every hostile input refused, none reached the FTP server; no secret in logs, bodies or metrics', async () => {
    scan.add(await rig.metrics());
    assert.ok(hostile.tried > 100);
    assert.equal(hostile.refused, hostile.tried);
    assert.equal(hostile.reachedFtp, 0);
    assert.equal(peers.refused, peers.tried);
    assert.deepEqual(scan.leaks, []);
  });
});
