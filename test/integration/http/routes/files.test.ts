// The contract's file and directory rows, end to end: the real app on
// listen(0) against a real vsftpd. Bytes are compared by hash, and the FTP
// server's own command log shows what reached it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import { DEFAULT_LIMITS } from '../../../../src/config/index.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import {
  API,
  chownTree,
  eventually,
  ftpServerConfig,
  gatewayConfig,
  multipartBody,
  sha256,
  startGateway,
  type RunningGateway,
} from '../../../helpers/httpHarness.js';

const json = { 'content-type': 'application/json' };

function partFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.ftpgw-part'));
}

describe('HTTP files and dirs on vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  const big = randomBytes(2 * 1024 * 1024 + 123);

  before(async () => {
    ftp = await borrowFtpServer('vsftpd', { ascii: true });
    gw = await startGateway(
      gatewayConfig([ftpServerConfig(ftp)], {
        limits: { ...DEFAULT_LIMITS, maxUploadBytes: 4 * 1024 * 1024, maxFiles: 3, maxFields: 10, maxFieldSize: 1024 },
      }),
    );
    writeFileSync(join(ftp.root, 'big.bin'), big);
    writeFileSync(join(ftp.root, 'empty.bin'), '');
    mkdirSync(join(ftp.root, 'folder'));
    writeFileSync(join(ftp.root, 'folder', 'note.txt'), 'one\ntwo\n');
    chownTree(ftp.root);
  });
  after(async () => {
    await gw?.close();
    await ftp?.stop();
  });

  describe('download', () => {
    test('GET streams the file with the contract headers', async () => {
      const r = await gw.request('GET', `${API}/files/big.bin`);
      assert.equal(r.status, 200);
      assert.equal(sha256(r.body), sha256(big));
      assert.equal(r.headers['content-length'], String(big.length));
      assert.equal(r.headers['accept-ranges'], 'bytes');
      assert.equal(r.headers['content-type'], 'application/octet-stream');
      assert.equal(r.headers['content-disposition'], 'attachment; filename=big.bin');
      const lastModified = Date.parse(String(r.headers['last-modified']));
      assert.ok(Math.abs(lastModified - statSync(join(ftp.root, 'big.bin')).mtimeMs) < 2000);
    });

    test('Content-Type comes from the extension', async () => {
      const r = await gw.request('GET', `${API}/files/folder/note.txt`);
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain/);
      assert.equal(r.text(), 'one\ntwo\n');
    });

    test('an empty file', async () => {
      const r = await gw.request('GET', `${API}/files/empty.bin`);
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 0);
      assert.equal(r.headers['content-length'], '0');
    });

    test('Range a-b, a- and -n → 206 with Content-Range', async () => {
      const cases: Array<[string, number, number]> = [
        ['bytes=100-199', 100, 199],
        [`bytes=${big.length - 10}-`, big.length - 10, big.length - 1],
        ['bytes=-1000', big.length - 1000, big.length - 1],
        [`bytes=5-${big.length + 100}`, 5, big.length - 1],
      ];
      for (const [range, start, end] of cases) {
        const r = await gw.request('GET', `${API}/files/big.bin`, { headers: { range } });
        assert.equal(r.status, 206, range);
        assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${big.length}`);
        assert.equal(r.headers['content-length'], String(end - start + 1));
        assert.equal(sha256(r.body), sha256(big.subarray(start, end + 1)), range);
      }
    });

    test('a range past the end → 416 with bytes */size', async () => {
      const r = await gw.request('GET', `${API}/files/big.bin`, { headers: { range: `bytes=${big.length}-` } });
      assert.equal(r.status, 416);
      assert.equal(r.headers['content-range'], `bytes */${big.length}`);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    });

    test('several ranges → the whole file, 200', async () => {
      const r = await gw.request('GET', `${API}/files/big.bin`, { headers: { range: 'bytes=0-1,5-6' } });
      assert.equal(r.status, 200);
      assert.equal(sha256(r.body), sha256(big));
    });

    test('ASCII: range ignored, no Content-Length', async () => {
      const r = await gw.request('GET', `${API}/files/folder/note.txt?type=ascii&eol=crlf`, { headers: { range: 'bytes=0-1' } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-length'], undefined);
      assert.equal(r.text(), 'one\r\ntwo\r\n');
      const head = await gw.request('HEAD', `${API}/files/folder/note.txt?type=auto`);
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], undefined);
    });

    test('HEAD: the GET headers, no body, no data connection', async () => {
      const before = (await ftp.commandLog()).length;
      const r = await gw.request('HEAD', `${API}/files/big.bin`);
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 0);
      assert.equal(r.headers['content-length'], String(big.length));
      assert.equal(r.headers['accept-ranges'], 'bytes');
      assert.ok(r.headers['last-modified']);
      // A later request whose command we can wait for: the log then holds the HEAD's commands too.
      await gw.request('DELETE', `${API}/files/head-marker`);
      await eventually(async () => (await ftp.commandLog()).includes('DELE /head-marker'));
      const added = (await ftp.commandLog()).slice(before);
      assert.ok(
        added.some((c) => c.startsWith('SIZE /big.bin')),
        added.join(' | '),
      );
      assert.ok(!added.some((c) => /^(EPSV|PASV|EPRT|PORT|RETR)/.test(c)), added.join(' | '));
    });

    test('missing file → 404, directory → 409, root → 409', async () => {
      assert.equal((await gw.request('GET', `${API}/files/nope.bin`)).status, 404);
      const dir = await gw.request('GET', `${API}/files/folder`);
      assert.equal(dir.status, 409);
      assert.equal(dir.json<{ code: string }>().code, 'IS_A_DIRECTORY');
      assert.equal((await gw.request('GET', `${API}/files/`)).status, 409);
    });

    test('unknown server → 404; bad option → 400', async () => {
      assert.equal((await gw.request('GET', '/api/v1/servers/nope/files/big.bin')).status, 404);
      for (const q of ['mode=fast', 'type=text', 'eol=cr']) {
        const r = await gw.request('GET', `${API}/files/big.bin?${q}`);
        assert.equal(r.status, 400, q);
        assert.equal(r.json<{ code: string }>().code, 'BAD_OPTION');
      }
    });
  });

  describe('path rules: 400 and nothing sent to the FTP server', () => {
    const bad = [
      '/files/../etc/passwd',
      '/files/%2e%2e/etc/passwd',
      '/files/a/%2E%2e/b',
      '/files/%2e./x',
      '/files/./x',
      '/files/a%2Fb',
      '/files/a%5Cb',
      '/files/a%0D%0ADELE%20big.bin',
      '/files/a%0Ab',
      '/files/a%00b',
      '/dirs/..',
      '/dirs/x/%2e%2E',
    ];
    test('every bad target → 400 BAD_PATH, and the FTP log shows none of it', async () => {
      const before = (await ftp.commandLog()).length;
      for (const path of bad) {
        for (const method of path.startsWith('/files') ? ['GET', 'PUT', 'DELETE'] : ['GET', 'POST', 'DELETE']) {
          const r = await gw.request(method, `${API}${path}`, method === 'PUT' ? { body: 'x' } : {});
          assert.equal(r.status, 400, `${method} ${path}`);
          assert.equal(r.json<{ code: string }>().code, 'BAD_PATH');
        }
      }
      for (const body of [
        { from: '../x', to: 'y' },
        { from: 'big.bin', to: 'a/../../y' },
        { from: 'big.bin', to: 'x\r\nDELE big.bin' },
        { from: 'a\\b', to: 'c' },
      ]) {
        const r = await gw.request('POST', `${API}/move`, { headers: json, body: JSON.stringify(body) });
        assert.equal(r.status, 400, JSON.stringify(body));
      }
      await gw.request('DELETE', `${API}/files/path-marker`);
      await eventually(async () => (await ftp.commandLog()).includes('DELE /path-marker'));
      // Session set-up (login, PWD for the relative root, the once-per-session SIZE / probe) may
      // come from whichever pooled session is lent; it carries nothing of the request.
      const added = (await ftp.commandLog()).slice(before).filter((c) => !/^(USER|PASS|FEAT|OPTS|NOOP|TYPE|PWD$|SIZE \/$)/.test(c));
      assert.ok(added.length > 0 && added.every((c) => c.endsWith(' /path-marker')), added.join(' | '));
      assert.ok(existsSync(join(ftp.root, 'big.bin')));
    });
  });

  describe('upload (PUT)', () => {
    test('atomic by default: temp name, SIZE check, rename; 201 { path, size }', async () => {
      const data = randomBytes(300_000);
      const r = await gw.request('PUT', `${API}/files/up/new/one.bin`, { body: data });
      assert.equal(r.status, 201);
      assert.deepEqual(r.json(), { path: 'up/new/one.bin', size: data.length });
      assert.equal(sha256(readFileSync(join(ftp.root, 'up/new/one.bin'))), sha256(data));
      assert.deepEqual(partFiles(join(ftp.root, 'up/new')), []);
      const log = await ftp.commandLog();
      const stor = log.find((c) => c.startsWith('STOR /up/new/.one.bin.'));
      assert.ok(stor?.endsWith('.ftpgw-part'), stor);
      assert.ok(log.some((c) => c === 'RNTO /up/new/one.bin'));
    });

    test('overwrites an existing file; streamed request body (chunked)', async () => {
      writeFileSync(join(ftp.root, 'over.bin'), 'old');
      async function* body(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 20; i++) yield big.subarray(i * 50_000, (i + 1) * 50_000);
      }
      const r = await gw.request('PUT', `${API}/files/over.bin`, { body: body() });
      assert.equal(r.status, 201);
      assert.equal(r.json<{ size: number }>().size, 1_000_000);
      assert.equal(sha256(readFileSync(join(ftp.root, 'over.bin'))), sha256(big.subarray(0, 1_000_000)));
    });

    test('If-None-Match: * → 412 when the target exists, 201 when not', async () => {
      writeFileSync(join(ftp.root, 'exists.bin'), 'keep');
      const r = await gw.request('PUT', `${API}/files/exists.bin`, { headers: { 'if-none-match': '*' }, body: 'new' });
      assert.equal(r.status, 412);
      assert.equal(readFileSync(join(ftp.root, 'exists.bin'), 'utf8'), 'keep');
      const ok = await gw.request('PUT', `${API}/files/fresh.bin`, { headers: { 'if-none-match': '*' }, body: 'new' });
      assert.equal(ok.status, 201);
    });

    test('mkdirs=false → 404 when the parent is missing', async () => {
      const r = await gw.request('PUT', `${API}/files/missing/dir/x.bin?mkdirs=false`, { body: 'x' });
      assert.equal(r.status, 404);
      assert.ok(!existsSync(join(ftp.root, 'missing')));
    });

    test('append=true appends (and creates); atomic=false writes in place', async () => {
      assert.equal((await gw.request('PUT', `${API}/files/log.bin?append=true`, { body: 'abc' })).status, 201);
      const r = await gw.request('PUT', `${API}/files/log.bin?append=true`, { body: 'def' });
      assert.equal(r.status, 201);
      assert.deepEqual(r.json(), { path: 'log.bin', size: 6 });
      assert.equal(readFileSync(join(ftp.root, 'log.bin'), 'utf8'), 'abcdef');
      const inPlace = await gw.request('PUT', `${API}/files/inplace.bin?atomic=false`, { body: 'direct' });
      assert.equal(inPlace.status, 201);
      const log = await ftp.commandLog();
      assert.ok(log.includes('APPE /log.bin'));
      assert.ok(log.includes('STOR /inplace.bin'));
    });

    test('ASCII upload: LF or CRLF in, the server stores its own line ends', async () => {
      const r = await gw.request('PUT', `${API}/files/text/a.txt?type=ascii`, { body: 'x\ny\r\nz\n' });
      assert.equal(r.status, 201);
      // vsftpd with ascii_upload_enable stores LF; size is what the server stored.
      assert.equal(readFileSync(join(ftp.root, 'text/a.txt'), 'utf8'), 'x\ny\nz\n');
      assert.equal(r.json<{ size: number }>().size, 6);
    });

    test('Content-Length over maxUploadBytes → 413 before any FTP command', async () => {
      const before = (await ftp.commandLog()).length;
      const r = await gw.request('PUT', `${API}/files/huge.bin`, {
        headers: { 'content-length': String(5 * 1024 * 1024) },
        body: Buffer.alloc(5 * 1024 * 1024),
      });
      assert.equal(r.status, 413);
      await gw.request('DELETE', `${API}/files/413-marker`);
      await eventually(async () => (await ftp.commandLog()).includes('DELE /413-marker'));
      const added = (await ftp.commandLog()).slice(before);
      assert.ok(!added.some((c) => c.includes('huge')), added.join(' | '));
    });

    test('a chunked body growing past the limit → 413, old content kept, no temp left', async () => {
      writeFileSync(join(ftp.root, 'limited.bin'), 'old');
      async function* body(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 10; i++) yield Buffer.alloc(512 * 1024, i);
      }
      const r = await gw.request('PUT', `${API}/files/limited.bin`, { body: body() }).catch((err: Error) => err);
      // The gateway answers 413 and closes; a client still writing may see the reset instead.
      if (!(r instanceof Error)) assert.equal(r.status, 413);
      await eventually(() => partFiles(ftp.root).length === 0);
      assert.equal(readFileSync(join(ftp.root, 'limited.bin'), 'utf8'), 'old');
    });

    test('a client abort mid-body keeps the old content and removes the temp', async () => {
      writeFileSync(join(ftp.root, 'abort.bin'), 'old content');
      const socket = net.connect(gw.port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write(`PUT ${API}/files/abort.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n`);
      socket.write(Buffer.alloc(1_000_000, 1));
      // The temp file is on the server and growing: the transfer is in flight.
      await eventually(() => partFiles(ftp.root).some((n) => n.startsWith('.abort.bin.') && statSync(join(ftp.root, n)).size > 0));
      socket.destroy();
      await eventually(() => partFiles(ftp.root).length === 0);
      assert.equal(readFileSync(join(ftp.root, 'abort.bin'), 'utf8'), 'old content');
    });

    test('GET /api/v1/transfers shows an upload in flight', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      async function* body(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(100_000, 7);
        await gate;
        yield Buffer.alloc(100_000, 8);
      }
      const put = gw.request('PUT', `${API}/files/slow.bin`, { headers: { 'content-length': '200000' }, body: body() });
      let seen: Array<{
        id: string;
        server: string;
        path: string;
        direction: string;
        bytes: number;
        totalBytes: number | null;
        startedAt: string;
      }> = [];
      await eventually(async () => {
        seen = (await gw.request('GET', '/api/v1/transfers')).json();
        return seen.some((t) => t.path === 'slow.bin' && t.bytes > 0);
      });
      const t = seen.find((x) => x.path === 'slow.bin');
      assert.equal(t?.server, 'default');
      assert.equal(t?.direction, 'upload');
      assert.equal(t?.totalBytes, 200_000);
      assert.ok(!Number.isNaN(Date.parse(t?.startedAt ?? '')));
      assert.equal(typeof t?.id, 'string');
      release();
      assert.equal((await put).status, 201);
      assert.deepEqual((await gw.request('GET', '/api/v1/transfers')).json(), []);
    });
  });

  describe('multipart (POST files)', () => {
    test('several files, whatever the field names; fields without filename ignored', async () => {
      const a = randomBytes(70_000);
      const b = randomBytes(5);
      const { body, contentType } = multipartBody([
        { field: 'file', filename: 'a.bin', content: a },
        { field: 'comment', content: 'ignored' },
        { field: 'other', filename: 'b b.bin', content: b },
        { field: 'x', filename: 'é.txt', content: 'hi' },
      ]);
      const r = await gw.request('POST', `${API}/files/multi/dir`, { headers: { 'content-type': contentType }, body });
      assert.equal(r.status, 201, r.text());
      assert.deepEqual(r.json(), [
        { path: 'multi/dir/a.bin', size: a.length },
        { path: 'multi/dir/b b.bin', size: 5 },
        { path: 'multi/dir/é.txt', size: 2 },
      ]);
      assert.equal(sha256(readFileSync(join(ftp.root, 'multi/dir/a.bin'))), sha256(a));
      assert.deepEqual(readdirSync(join(ftp.root, 'multi/dir')).sort(), ['a.bin', 'b b.bin', 'é.txt']);
    });

    test('a bad filename → 400; earlier parts removed; old content kept; the name never reaches FTP', async () => {
      mkdirSync(join(ftp.root, 'mp'), { recursive: true });
      writeFileSync(join(ftp.root, 'mp', 'first.bin'), 'old first');
      chownTree(ftp.root);
      for (const badName of ['../evil.bin', 'sub/x.bin', 'a\\b.bin', '..']) {
        const { body, contentType } = multipartBody([
          { field: 'f', filename: 'first.bin', content: randomBytes(50_000) },
          { field: 'f', filename: 'second.bin', content: 'two' },
          { field: 'f', filename: badName, content: 'evil' },
        ]);
        const r = await gw.request('POST', `${API}/files/mp`, { headers: { 'content-type': contentType }, body });
        assert.equal(r.status, 400, badName);
        await eventually(() => partFiles(join(ftp.root, 'mp')).length === 0);
        assert.deepEqual(readdirSync(join(ftp.root, 'mp')), ['first.bin'], badName);
        assert.equal(readFileSync(join(ftp.root, 'mp', 'first.bin'), 'utf8'), 'old first');
      }
      const log = await ftp.commandLog();
      assert.ok(!log.some((c) => c.includes('evil')));
    });

    test('too many files / a file over the size limit → 413, nothing kept', async () => {
      const tooMany = multipartBody([1, 2, 3, 4].map((i) => ({ field: 'f', filename: `n${i}.bin`, content: 'x' })));
      const r1 = await gw.request('POST', `${API}/files/lim1`, { headers: { 'content-type': tooMany.contentType }, body: tooMany.body });
      assert.equal(r1.status, 413);
      await eventually(() => !existsSync(join(ftp.root, 'lim1')) || readdirSync(join(ftp.root, 'lim1')).length === 0);

      const tooBig = multipartBody([
        { field: 'f', filename: 'ok.bin', content: 'small' },
        { field: 'f', filename: 'big.bin', content: Buffer.alloc(4 * 1024 * 1024 + 1) },
      ]);
      const r2 = await gw.request('POST', `${API}/files/lim2`, { headers: { 'content-type': tooBig.contentType }, body: tooBig.body });
      assert.equal(r2.status, 413);
      await eventually(() => !existsSync(join(ftp.root, 'lim2')) || readdirSync(join(ftp.root, 'lim2')).length === 0);
    });

    test('not multipart → 400', async () => {
      const r = await gw.request('POST', `${API}/files/x`, { headers: { 'content-type': 'text/plain' }, body: 'x' });
      assert.equal(r.status, 400);
    });
  });

  describe('delete, dirs, move', () => {
    test('DELETE a file → 204; missing → 404; a directory → 409', async () => {
      writeFileSync(join(ftp.root, 'gone.bin'), 'x');
      assert.equal((await gw.request('DELETE', `${API}/files/gone.bin`)).status, 204);
      assert.ok(!existsSync(join(ftp.root, 'gone.bin')));
      assert.equal((await gw.request('DELETE', `${API}/files/gone.bin`)).status, 404);
      assert.equal((await gw.request('DELETE', `${API}/files/folder`)).status, 409);
    });

    test('GET dirs: sorted, directories first, no . and ..', async () => {
      mkdirSync(join(ftp.root, 'ls/b-dir'), { recursive: true });
      mkdirSync(join(ftp.root, 'ls/a-dir'));
      writeFileSync(join(ftp.root, 'ls/c.txt'), '12345');
      writeFileSync(join(ftp.root, 'ls/.hidden'), '');
      writeFileSync(join(ftp.root, 'ls/A.bin'), '1');
      chownTree(ftp.root);
      const r = await gw.request('GET', `${API}/dirs/ls`);
      assert.equal(r.status, 200);
      const body = r.json<{
        path: string;
        entries: Array<{ name: string; type: string; size: number | null; modifiedAt: string | null }>;
      }>();
      assert.equal(body.path, 'ls');
      const names = body.entries.map((e) => e.name).filter((n) => n !== '.hidden');
      assert.deepEqual(names, ['a-dir', 'b-dir', 'A.bin', 'c.txt']);
      const c = body.entries.find((e) => e.name === 'c.txt');
      assert.equal(c?.type, 'file');
      assert.equal(c?.size, 5);
      assert.ok(c?.modifiedAt && !Number.isNaN(Date.parse(c.modifiedAt)));
      assert.ok(!body.entries.some((e) => e.name === '.' || e.name === '..'));
      const root = await gw.request('GET', `${API}/dirs`);
      assert.equal(root.status, 200);
      assert.equal(root.json<{ path: string }>().path, '');
    });

    test('GET dirs on a missing path → 404, on a file → 409', async () => {
      assert.equal((await gw.request('GET', `${API}/dirs/no/such`)).status, 404);
      assert.equal((await gw.request('GET', `${API}/dirs/big.bin`)).status, 409);
    });

    test('POST dirs creates parents (201); DELETE: empty 204, non-empty 409, recursive 204', async () => {
      const r = await gw.request('POST', `${API}/dirs/d1/d2/d3`);
      assert.equal(r.status, 201);
      assert.ok(statSync(join(ftp.root, 'd1/d2/d3')).isDirectory());
      assert.equal((await gw.request('POST', `${API}/dirs/d1/d2/d3`)).status, 201, 'idempotent');
      const rm = await gw.request('DELETE', `${API}/dirs/d1/d2/d3`);
      assert.equal(rm.status, 204, rm.text());
      assert.ok(!existsSync(join(ftp.root, 'd1/d2/d3')));
      writeFileSync(join(ftp.root, 'd1/d2/f.bin'), 'x');
      mkdirSync(join(ftp.root, 'd1/d2/deeper/deepest'), { recursive: true });
      writeFileSync(join(ftp.root, 'd1/d2/deeper/deepest/g.bin'), 'y');
      chownTree(ftp.root);
      const nonEmpty = await gw.request('DELETE', `${API}/dirs/d1`);
      assert.equal(nonEmpty.status, 409, nonEmpty.text());
      assert.equal(nonEmpty.status, 409);
      assert.equal(nonEmpty.json<{ code: string }>().code, 'DIRECTORY_NOT_EMPTY');
      assert.equal((await gw.request('DELETE', `${API}/dirs/d1?recursive=true`)).status, 204);
      assert.ok(!existsSync(join(ftp.root, 'd1')));
      assert.equal((await gw.request('DELETE', `${API}/dirs/d1`)).status, 404);
      assert.equal((await gw.request('POST', `${API}/dirs/big.bin/sub`)).status, 409);
    });

    test('move: rename, parents created, 409 on an existing target unless overwrite', async () => {
      writeFileSync(join(ftp.root, 'm1.bin'), 'one');
      writeFileSync(join(ftp.root, 'm2.bin'), 'two');
      let r = await gw.request('POST', `${API}/move`, {
        headers: json,
        body: JSON.stringify({ from: 'm1.bin', to: '/new/parent/m1.bin' }),
      });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), { path: 'new/parent/m1.bin' });
      assert.equal(readFileSync(join(ftp.root, 'new/parent/m1.bin'), 'utf8'), 'one');
      r = await gw.request('POST', `${API}/move`, { headers: json, body: JSON.stringify({ from: 'new/parent/m1.bin', to: 'm2.bin' }) });
      assert.equal(r.status, 409);
      assert.equal(readFileSync(join(ftp.root, 'm2.bin'), 'utf8'), 'two');
      r = await gw.request('POST', `${API}/move`, {
        headers: json,
        body: JSON.stringify({ from: 'new/parent/m1.bin', to: 'm2.bin', overwrite: true }),
      });
      assert.equal(r.status, 200);
      assert.equal(readFileSync(join(ftp.root, 'm2.bin'), 'utf8'), 'one');
      r = await gw.request('POST', `${API}/move`, { headers: json, body: JSON.stringify({ from: 'nope', to: 'x' }) });
      assert.equal(r.status, 404);
      r = await gw.request('POST', `${API}/move`, { headers: json, body: '{"from":' });
      assert.equal(r.status, 400);
      r = await gw.request('POST', `${API}/move`, { headers: json, body: JSON.stringify({ from: 'm2.bin' }) });
      assert.equal(r.status, 400);
    });

    test('a file literally named with "%": URL-encoded in paths, plain in move', async () => {
      writeFileSync(join(ftp.root, '50%.bin'), 'pct');
      assert.equal((await gw.request('GET', `${API}/files/50%25.bin`)).text(), 'pct');
      const r = await gw.request('POST', `${API}/move`, { headers: json, body: JSON.stringify({ from: '50%.bin', to: '51%.bin' }) });
      assert.equal(r.status, 200);
      assert.ok(existsSync(join(ftp.root, '51%.bin')));
    });
  });

  test('GET /api/v1/servers: never credentials', async () => {
    const r = await gw.request('GET', '/api/v1/servers');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), [
      { name: 'default', host: '127.0.0.1', port: ftp.port, tls: 'none', mode: 'auto', type: 'binary', readOnly: false },
    ]);
    assert.ok(!r.text().includes(ftp.password));
  });

  test('unknown route → 404 problem+json', async () => {
    const r = await gw.request('GET', '/api/v1/nothing');
    assert.equal(r.status, 404);
    assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  });
});
