// Contract v1.1, conditional requests, end to end on the two stat paths:
// vsftpd (SIZE+MDTM) and proftpd (MLST). A 304 is decided from the stat
// alone: the server's own command log shows no data connection and no RETR.
// A 412 on PUT or DELETE leaves the server as it was: no STOR, no temporary
// file, no folder, no DELE.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { serverSkip } from '../../../../helpers/requireServers.js';
import { borrowFtpServer } from '../../../../helpers/servers/shared.js';
import type { FtpServerKind, RunningFtpServer } from '../../../../helpers/servers/index.js';
import { diskNames, putOnDisk } from '../../../../reliability/harness.js';
import {
  API,
  commandsDuring,
  ftpServerConfig,
  gatewayConfig,
  startGateway,
  multipartBody,
  type RawResponse,
  type RunningGateway,
} from '../../../../helpers/httpHarness.js';

const DATA_OR_TRANSFER = /^(EPSV|PASV|EPRT|PORT|RETR|STOR|APPE|DELE|RNFR|RNTO|MKD)\b/;
const CONTENT = Buffer.from('0123456789'.repeat(100));

for (const kind of ['vsftpd', 'proftpd'] as const satisfies readonly FtpServerKind[])
  describe(`conditional requests (${kind})`, serverSkip(kind), () => {
    let ftp: RunningFtpServer;
    let gw: RunningGateway;
    const file = (name: string): string => join(ftp.root, name);
    /** What the gateway must send for a file on disk: nginx's tag. */
    const tagOnDisk = (name: string): string => {
      const st = statSync(file(name));
      return `"${Math.floor(st.mtimeMs / 1000).toString(16)}-${st.size.toString(16)}"`;
    };
    /** Moves the file's modification time (whole seconds, as FTP reports it). */
    const touch = (name: string, sec: number): void => utimesSync(file(name), sec, sec);
    const during = (act: () => Promise<void>): Promise<string[]> => commandsDuring(gw, ftp, act);
    const get = (name: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> =>
      gw.request(method, `${API}/files/${name}`, { headers });

    before(async () => {
      ftp = await borrowFtpServer(kind);
      gw = await startGateway(gatewayConfig([ftpServerConfig(ftp)]));
    });
    after(async () => {
      await gw?.close();
      await ftp?.stop();
    });

    test('GET, HEAD and a range send the same strong ETag, built from mtime and size, stable across requests', async () => {
      await putOnDisk(ftp, 'tag.bin', CONTENT);
      touch('tag.bin', 1_800_000_000);
      const expected = tagOnDisk('tag.bin');
      assert.equal(expected, `"${(1_800_000_000).toString(16)}-3e8"`);
      const first = await get('tag.bin');
      assert.equal(first.status, 200);
      assert.equal(first.headers.etag, expected);
      assert.equal((await get('tag.bin')).headers.etag, expected);
      assert.equal((await get('tag.bin', {}, 'HEAD')).headers.etag, expected);
      const part = await get('tag.bin', { range: 'bytes=0-9' });
      assert.equal(part.status, 206);
      assert.equal(part.headers.etag, expected);
      // An ASCII download is other bytes: its own tag, which its own If-None-Match matches.
      const text = await get('tag.bin?type=ascii&eol=crlf');
      assert.equal(text.headers.etag, `${expected.slice(0, -1)}-crlf"`);
      assert.equal((await get('tag.bin?type=ascii&eol=crlf', { 'if-none-match': text.headers.etag as string })).status, 304);
      assert.equal((await get('tag.bin?type=ascii&eol=lf', { 'if-none-match': text.headers.etag as string })).status, 200);
    });

    test('If-None-Match with the tag, in a list, weak, or *: 304 with ETag and Last-Modified, no body, no data connection', async () => {
      await putOnDisk(ftp, 'cached.bin', CONTENT);
      const tag = tagOnDisk('cached.bin');
      const full = await get('cached.bin');
      const answers: RawResponse[] = [];
      const sent = await during(async () => {
        for (const value of [tag, `"nope", ${tag}`, `W/${tag}`, '*']) answers.push(await get('cached.bin', { 'if-none-match': value }));
        answers.push(await get('cached.bin', { 'if-none-match': tag }, 'HEAD'));
      });
      for (const r of answers) {
        assert.equal(r.status, 304);
        assert.equal(r.body.length, 0);
        assert.equal(r.headers.etag, tag);
        assert.equal(r.headers['last-modified'], full.headers['last-modified']);
        assert.equal(r.headers['content-disposition'], undefined);
      }
      assert.deepEqual(
        sent.filter((c) => DATA_OR_TRANSFER.test(c)),
        [],
        sent.join(' | '),
      );
      // The decision came from the stat.
      assert.ok(
        sent.some((c) => /^(SIZE|MDTM|MLST) \/cached\.bin$/.test(c)),
        sent.join(' | '),
      );
    });

    test('If-Modified-Since at or after Last-Modified: 304 without a data connection; before it: 200', async () => {
      await putOnDisk(ftp, 'dated.bin', CONTENT);
      touch('dated.bin', 1_800_000_000);
      const lastModified = new Date(1_800_000_000 * 1000).toUTCString();
      const answers: RawResponse[] = [];
      const sent = await during(async () => {
        answers.push(await get('dated.bin', { 'if-modified-since': lastModified }));
        answers.push(await get('dated.bin', { 'if-modified-since': new Date(1_800_000_100 * 1000).toUTCString() }));
      });
      for (const r of answers) {
        assert.equal(r.status, 304);
        assert.equal(r.headers['last-modified'], lastModified);
      }
      assert.deepEqual(
        sent.filter((c) => DATA_OR_TRANSFER.test(c)),
        [],
        sent.join(' | '),
      );
      const older = await get('dated.bin', { 'if-modified-since': new Date(1_799_999_999 * 1000).toUTCString() });
      assert.equal(older.status, 200);
      assert.ok(older.body.equals(CONTENT));
      // If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).
      assert.equal((await get('dated.bin', { 'if-none-match': '"other"', 'if-modified-since': lastModified })).status, 200);
    });

    test('after the file changes (a new mtime, then a new size), the old tag and date get 200 and the new tag', async () => {
      await putOnDisk(ftp, 'moving.bin', CONTENT);
      touch('moving.bin', 1_800_000_000);
      const old = tagOnDisk('moving.bin');
      const oldDate = new Date(1_800_000_000 * 1000).toUTCString();
      assert.equal((await get('moving.bin', { 'if-none-match': old })).status, 304);
      touch('moving.bin', 1_800_000_060);
      const sameSize = await get('moving.bin', { 'if-none-match': old });
      assert.equal(sameSize.status, 200);
      assert.ok(sameSize.body.equals(CONTENT));
      assert.equal(sameSize.headers.etag, tagOnDisk('moving.bin'));
      assert.notEqual(sameSize.headers.etag, old);
      assert.equal((await get('moving.bin', { 'if-modified-since': oldDate })).status, 200);
      await putOnDisk(ftp, 'moving.bin', Buffer.concat([CONTENT, CONTENT]));
      touch('moving.bin', 1_800_000_060);
      const bigger = await get('moving.bin', { 'if-none-match': sameSize.headers.etag as string });
      assert.equal(bigger.status, 200);
      assert.equal(bigger.body.length, CONTENT.length * 2);
    });

    test('If-Range: the current tag lets the range apply (206); a stale one gets the whole file (200)', async () => {
      await putOnDisk(ftp, 'ranged.bin', CONTENT);
      const tag = tagOnDisk('ranged.bin');
      const current = await get('ranged.bin', { range: 'bytes=10-19', 'if-range': tag });
      assert.equal(current.status, 206);
      assert.ok(current.body.equals(CONTENT.subarray(10, 20)));
      const stale = await get('ranged.bin', { range: 'bytes=10-19', 'if-range': '"0-0"' });
      assert.equal(stale.status, 200);
      assert.ok(stale.body.equals(CONTENT));
    });

    test('PUT If-Match: the current tag stores; a stale tag → 412, the file unchanged and nothing written', async () => {
      await putOnDisk(ftp, 'edit.bin', 'version 1');
      const tag = tagOnDisk('edit.bin');
      const ok = await gw.request('PUT', `${API}/files/edit.bin`, { headers: { 'if-match': tag }, body: 'version 2' });
      assert.equal(ok.status, 201);
      assert.equal(readFileSync(file('edit.bin'), 'utf8'), 'version 2');
      touch('edit.bin', 1_800_000_000); // whatever the clock did meanwhile, the tag the caller holds is stale now
      let refused: RawResponse | undefined;
      const sent = await during(async () => {
        refused = await gw.request('PUT', `${API}/files/edit.bin`, { headers: { 'if-match': tag }, body: 'version 3' });
      });
      assert.equal(refused?.status, 412);
      assert.equal(refused?.json<{ code: string }>().code, 'PRECONDITION_FAILED');
      assert.equal(readFileSync(file('edit.bin'), 'utf8'), 'version 2');
      assert.deepEqual(
        sent.filter((c) => DATA_OR_TRANSFER.test(c)),
        [],
        sent.join(' | '),
      );
      assert.deepEqual(
        diskNames(ftp.root).filter((n) => n.endsWith('.ftpgw-part')),
        [],
      );
    });

    test('PUT If-Match: * on an absent target → 412: no file, no parent folder created', async () => {
      const r = await gw.request('PUT', `${API}/files/new/deep/x.bin`, { headers: { 'if-match': '*' }, body: 'x' });
      assert.equal(r.status, 412);
      assert.ok(!existsSync(file('new')));
      await putOnDisk(ftp, 'present.bin', 'old');
      assert.equal((await gw.request('PUT', `${API}/files/present.bin`, { headers: { 'if-match': '*' }, body: 'new' })).status, 201);
      assert.equal(readFileSync(file('present.bin'), 'utf8'), 'new');
    });

    test('PUT If-Unmodified-Since: modified after the date → 412; not modified since → stored', async () => {
      await putOnDisk(ftp, 'since.bin', 'old');
      touch('since.bin', 1_800_000_000);
      const before = new Date(1_799_999_999 * 1000).toUTCString();
      const r = await gw.request('PUT', `${API}/files/since.bin`, { headers: { 'if-unmodified-since': before }, body: 'new' });
      assert.equal(r.status, 412);
      assert.equal(readFileSync(file('since.bin'), 'utf8'), 'old');
      const at = new Date(1_800_000_000 * 1000).toUTCString();
      assert.equal(
        (await gw.request('PUT', `${API}/files/since.bin`, { headers: { 'if-unmodified-since': at }, body: 'new' })).status,
        201,
      );
      assert.equal(readFileSync(file('since.bin'), 'utf8'), 'new');
    });

    test('PUT with Expect: 100-continue and a stale If-Match: 412 is the only answer, the body never asked for', async () => {
      await putOnDisk(ftp, 'expect.bin', 'keep');
      const outcome = await new Promise<{ status: number; continued: boolean; connection: string | undefined }>((resolve, reject) => {
        let continued = false;
        const req = http.request({
          host: '127.0.0.1',
          port: gw.port,
          method: 'PUT',
          path: `${API}/files/expect.bin`,
          headers: { 'content-length': '4', expect: '100-continue', 'if-match': '"0-0"' },
          agent: false,
        });
        req.on('continue', () => (continued = true));
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, continued, connection: res.headers.connection }));
          req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      assert.deepEqual(outcome, { status: 412, continued: false, connection: 'close' });
      assert.equal(readFileSync(file('expect.bin'), 'utf8'), 'keep');
    });

    test('DELETE If-Match: stale → 412 and the file stays; current → 204; * on an absent file → 412', async () => {
      await putOnDisk(ftp, 'doomed.bin', CONTENT);
      const tag = tagOnDisk('doomed.bin');
      let stale: RawResponse | undefined;
      const sent = await during(async () => {
        stale = await gw.request('DELETE', `${API}/files/doomed.bin`, { headers: { 'if-match': '"0-0"' } });
      });
      assert.equal(stale?.status, 412);
      assert.ok(existsSync(file('doomed.bin')));
      assert.deepEqual(
        sent.filter((c) => DATA_OR_TRANSFER.test(c)),
        [],
        sent.join(' | '),
      );
      assert.equal((await gw.request('DELETE', `${API}/files/doomed.bin`, { headers: { 'if-match': tag } })).status, 204);
      assert.ok(!existsSync(file('doomed.bin')));
      assert.equal((await gw.request('DELETE', `${API}/files/doomed.bin`, { headers: { 'if-match': '*' } })).status, 412);
    });

    test('multipart POST with If-None-Match: * → 412 when any target exists, and no part is kept; atomic=false refuses the header', async () => {
      await putOnDisk(ftp, 'mp/taken.bin', 'keep');
      const { body, contentType } = multipartBody([
        { field: 'f', filename: 'fresh.bin', content: 'new one' },
        { field: 'f', filename: 'taken.bin', content: 'overwrite' },
      ]);
      const headers = { 'content-type': contentType, 'if-none-match': '*' };
      assert.equal((await gw.request('POST', `${API}/files/mp`, { headers, body })).status, 412);
      assert.equal(readFileSync(file('mp/taken.bin'), 'utf8'), 'keep');
      assert.deepEqual(diskNames(file('mp')), ['taken.bin']);
      const inPlace = await gw.request('POST', `${API}/files/mp?atomic=false`, { headers, body });
      assert.equal(inPlace.status, 400);
      assert.equal((inPlace.json() as { code: string }).code, 'BAD_OPTION');
      assert.deepEqual(diskNames(file('mp')), ['taken.bin']);
      const { body: freshBody, contentType: freshType } = multipartBody([{ field: 'f', filename: 'fresh.bin', content: 'new one' }]);
      const ok = await gw.request('POST', `${API}/files/mp`, {
        headers: { 'content-type': freshType, 'if-none-match': '*' },
        body: freshBody,
      });
      assert.equal(ok.status, 201, ok.text());
      assert.equal(readFileSync(file('mp/fresh.bin'), 'utf8'), 'new one');
    });

    test('DELETE If-Unmodified-Since: modified after the date → 412; not modified since → 204', async () => {
      await putOnDisk(ftp, 'aged.bin', CONTENT);
      touch('aged.bin', 1_800_000_000);
      const early = new Date(1_700_000_000 * 1000).toUTCString();
      assert.equal((await gw.request('DELETE', `${API}/files/aged.bin`, { headers: { 'if-unmodified-since': early } })).status, 412);
      assert.ok(existsSync(file('aged.bin')));
      const late = new Date(1_800_000_000 * 1000).toUTCString();
      assert.equal((await gw.request('DELETE', `${API}/files/aged.bin`, { headers: { 'if-unmodified-since': late } })).status, 204);
      assert.ok(!existsSync(file('aged.bin')));
    });
  });
