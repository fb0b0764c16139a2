// A server that reads one command per read (each `data` event is one
// command line, as some embedded servers and small socket-library servers
// do) behind the gateway: the whole transfer matrix through HTTP must work,
// with no pipelined write after the one probe that found this out. Sent
// SIZE+MDTM in one write, this server answers once; the gateway used to wait
// for the second reply until commandMs and answer 504 to every GET, HEAD and
// move (and 504 instead of 404 for a missing file). commandMs is a few
// seconds here so that a regression fails quickly instead of hanging.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMiniFtpServer, type MiniFtpServer } from '../../helpers/miniFtpServer.js';
import { API, gatewayConfig, serverConfig, sha256, startGateway, type RunningGateway } from '../../helpers/httpHarness.js';

const MODES = ['passive', 'active'] as const;
const json = { 'content-type': 'application/json' };

describe('HTTP on a server that reads one command per read', () => {
  let ftp: MiniFtpServer;
  let gw: RunningGateway;
  const binary = randomBytes(256 * 1024 + 77);
  const textLf = `first\nsecond line\n${'y'.repeat(5_000)}\nlast\n`;

  before(async () => {
    ftp = await startMiniFtpServer({ reading: 'one-per-read' });
    mkdirSync(join(ftp.root, 'folder'));
    writeFileSync(join(ftp.root, 'folder', 'note.txt'), 'one\ntwo\n');
    gw = await startGateway(
      gatewayConfig([
        serverConfig({
          host: ftp.host,
          port: ftp.port,
          user: ftp.user,
          password: ftp.password,
          timeouts: { connectMs: 3_000, commandMs: 3_000, dataMs: 5_000 },
        }),
      ]),
    );
  });
  after(async () => {
    await gw?.close();
    await ftp?.close();
  });

  for (const mode of MODES) {
    test(`${mode} binary: PUT (atomic), HEAD, GET, Range, list, move, DELETE`, async () => {
      const name = `bin-${mode}.bin`;
      const put = await gw.request('PUT', `${API}/files/m/${name}?mode=${mode}`, { body: binary });
      assert.equal(put.status, 201, put.text());
      assert.deepEqual(put.json(), { path: `m/${name}`, size: binary.length });
      assert.equal(sha256(readFileSync(join(ftp.root, 'm', name))), sha256(binary));

      const head = await gw.request('HEAD', `${API}/files/m/${name}?mode=${mode}`);
      assert.equal(head.status, 200, head.text());
      assert.equal(head.headers['content-length'], String(binary.length));
      assert.ok(head.headers['last-modified'], 'MDTM answered');

      const get = await gw.request('GET', `${API}/files/m/${name}?mode=${mode}`);
      assert.equal(get.status, 200, get.text());
      assert.equal(sha256(get.body), sha256(binary));

      const part = await gw.request('GET', `${API}/files/m/${name}?mode=${mode}`, { headers: { range: 'bytes=1000-2999' } });
      assert.equal(part.status, 206, part.text());
      assert.equal(sha256(part.body), sha256(binary.subarray(1000, 3000)));

      const list = await gw.request('GET', `${API}/dirs/m?mode=${mode}`);
      assert.equal(list.status, 200, list.text());
      const entry = list.json<{ entries: Array<{ name: string; size: number }> }>().entries.find((e) => e.name === name);
      assert.equal(entry?.size, binary.length);

      const moved = `moved-${mode}.bin`;
      const move = await gw.request('POST', `${API}/move`, {
        headers: json,
        body: JSON.stringify({ from: `m/${name}`, to: `m/to/${moved}` }),
      });
      assert.equal(move.status, 200, move.text());
      assert.equal(sha256(readFileSync(join(ftp.root, 'm', 'to', moved))), sha256(binary));

      const del = await gw.request('DELETE', `${API}/files/m/to/${moved}`);
      assert.equal(del.status, 204, del.text());
      assert.equal(existsSync(join(ftp.root, 'm', 'to', moved)), false);
    });

    test(`${mode} ascii: PUT with CRLF stored with LF, GET with eol=crlf`, async () => {
      const name = `text-${mode}.txt`;
      const put = await gw.request('PUT', `${API}/files/t/${name}?mode=${mode}&type=ascii`, { body: textLf.replace(/\n/g, '\r\n') });
      assert.equal(put.status, 201, put.text());
      assert.equal(readFileSync(join(ftp.root, 't', name), 'latin1'), textLf);
      const crlf = await gw.request('GET', `${API}/files/t/${name}?mode=${mode}&type=ascii&eol=crlf`);
      assert.equal(crlf.status, 200, crlf.text());
      assert.equal(crlf.text(), textLf.replace(/\n/g, '\r\n'));
      const lf = await gw.request('GET', `${API}/files/folder/note.txt?mode=${mode}&type=ascii`);
      assert.equal(lf.text(), 'one\ntwo\n');
    });
  }

  test('a missing file: GET and HEAD 404, DELETE 404, move 404', async () => {
    assert.equal((await gw.request('GET', `${API}/files/nothing-here.bin`)).status, 404);
    assert.equal((await gw.request('HEAD', `${API}/files/nothing-here.bin`)).status, 404);
    assert.equal((await gw.request('DELETE', `${API}/files/nothing-here.bin`)).status, 404);
    const move = await gw.request('POST', `${API}/move`, {
      headers: json,
      body: JSON.stringify({ from: 'nothing-here.bin', to: 'x.bin' }),
    });
    assert.equal(move.status, 404, move.text());
  });

  test('folders: create (with parents), list, GET of a folder, remove', async () => {
    const mk = await gw.request('POST', `${API}/dirs/d1/d2`);
    assert.equal(mk.status, 201, mk.text());
    assert.equal(existsSync(join(ftp.root, 'd1', 'd2')), true);
    const list = await gw.request('GET', `${API}/dirs/d1`);
    assert.equal(list.status, 200, list.text());
    assert.deepEqual(
      list.json<{ entries: Array<{ name: string; type: string }> }>().entries.map((e) => [e.name, e.type]),
      [['d2', 'directory']],
    );
    // stat of a folder: SIZE fails, then CWD tells it is a folder.
    assert.equal((await gw.request('GET', `${API}/files/d1`)).status, 409);
    assert.equal((await gw.request('DELETE', `${API}/dirs/d1?recursive=true`)).status, 204);
    assert.equal(existsSync(join(ftp.root, 'd1')), false);
  });

  test('it was found out once (one NOOP pair) and nothing else went in one write', () => {
    const batches = ftp.reads.filter((r) => r.split('\r\n').length > 2);
    assert.deepEqual(batches, ['NOOP\r\nNOOP\r\n']);
  });
});
