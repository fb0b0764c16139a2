// Requests the gateway refuses before anything reaches the FTP server, on a
// real vsftpd whose own command log shows what it received:
// - `Expect: 100-continue` with a declared length over maxUploadBytes gets
//   413 as its only answer (no `100 Continue` that would make the client send
//   the body for nothing), while a body within the limit still gets its 100;
// - a path longer than maxPathBytes gets 414 on every route that takes one
//   (vsftpd drops the control connection on a path of about 4 KB: a 503 for
//   the caller and a fresh login for the pool).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../../../src/config/index.js';
import { serverSkip } from '../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../helpers/servers/index.js';
import { borrowFtpServer } from '../../helpers/servers/shared.js';
import {
  API,
  commandsDuring,
  ftpServerConfig,
  gatewayConfig,
  multipartBody,
  startGateway,
  type RunningGateway,
} from '../../helpers/httpHarness.js';

const MAX_UPLOAD = 1024 * 1024;

/** Sends `head` on a raw socket and reads the first response head (the status line and headers) that comes back. */
function firstResponseHead(socket: net.Socket, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve(buffered.slice(0, end));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(head);
  });
}

/** Reads until the peer closes; resolves with everything received. */
function readToEnd(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let all = '';
    socket.on('data', (chunk: Buffer) => (all += chunk.toString('latin1')));
    socket.once('close', () => resolve(all));
  });
}

describe('refused before the FTP server hears of it (vsftpd)', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    gw = await startGateway(gatewayConfig([ftpServerConfig(ftp)], { limits: { ...DEFAULT_LIMITS, maxUploadBytes: MAX_UPLOAD } }));
  });
  after(async () => {
    await gw?.close();
    await ftp?.stop();
  });

  const during = (act: () => Promise<void>): Promise<string[]> => commandsDuring(gw, ftp, act);

  describe('Expect: 100-continue', () => {
    test('a declared length over maxUploadBytes: 413 is the first and only answer, nothing reaches the FTP server', async () => {
      let head = '';
      let rest = '';
      const sent = await during(async () => {
        const socket = net.connect(gw.port, '127.0.0.1');
        try {
          head = await firstResponseHead(
            socket,
            `PUT ${API}/files/expect/too-big.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_UPLOAD + 1}\r\nExpect: 100-continue\r\n\r\n`,
          );
          rest = await readToEnd(socket);
        } finally {
          socket.destroy();
        }
      });
      assert.match(head, /^HTTP\/1\.1 413 /, head);
      assert.match(head, /\r\nconnection: close/i, 'the unsent body must not be read as a next request');
      assert.match(head, /content-type: application\/problem\+json/i);
      assert.doesNotMatch(rest, /HTTP\/1\.1 100/, 'no 100 Continue after the final answer either');
      assert.deepEqual(
        sent.filter((c) => c.includes('too-big')),
        [],
      );
    });

    test('within the limit: 100 Continue, then the body is stored', async () => {
      const body = Buffer.alloc(MAX_UPLOAD, 7);
      const socket = net.connect(gw.port, '127.0.0.1');
      try {
        const interim = await firstResponseHead(
          socket,
          `PUT ${API}/files/expect/fits.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
        );
        assert.match(interim, /^HTTP\/1\.1 100 Continue/);
        const final = firstResponseHead(socket, '');
        socket.write(body);
        assert.match(await final, /^HTTP\/1\.1 201 /);
      } finally {
        socket.destroy();
      }
      assert.ok(readFileSync(join(ftp.root, 'expect/fits.bin')).equals(body));
    });

    test('a multipart upload and a move read their bodies after the 100 too', async () => {
      const { body, contentType } = multipartBody([{ field: 'f', filename: 'part.txt', content: 'part' }]);
      for (const [target, type, payload, status] of [
        [`POST ${API}/files/expect`, contentType, body, 201],
        [`POST ${API}/move`, 'application/json', Buffer.from(JSON.stringify({ from: 'expect/part.txt', to: 'expect/moved.txt' })), 200],
      ] as const) {
        const socket = net.connect(gw.port, '127.0.0.1');
        try {
          const interim = await firstResponseHead(
            socket,
            `${target} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${payload.length}\r\nExpect: 100-continue\r\n\r\n`,
          );
          assert.match(interim, /^HTTP\/1\.1 100 Continue/, target);
          const final = firstResponseHead(socket, '');
          socket.write(payload);
          assert.match(await final, new RegExp(`^HTTP/1\\.1 ${status} `), target);
        } finally {
          socket.destroy();
        }
      }
      assert.equal(readFileSync(join(ftp.root, 'expect/moved.txt'), 'utf8'), 'part');
    });
  });

  describe('limits.maxPathBytes (default 1024)', () => {
    const segment = 'a'.repeat(200);
    /** About 5 KB: past vsftpd's 4 KB command line, which it answers by dropping the control connection. */
    const long = Array.from({ length: 25 }, () => segment).join('/');

    const expect414 = async (method: string, path: string, options: Parameters<RunningGateway['request']>[2] = {}): Promise<void> => {
      const r = await gw.request(method, path, options);
      assert.equal(r.status, 414, `${method} ${path.slice(0, 60)}…: ${r.status}`);
      if (method !== 'HEAD') {
        assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(r.json<{ code: string }>().code, 'PATH_TOO_LONG');
      }
    };

    test('414 on every route that takes a path, and nothing is sent to the FTP server', async () => {
      const { body, contentType } = multipartBody([{ field: 'f', filename: 'x.txt', content: 'x' }]);
      const sent = await during(async () => {
        await expect414('GET', `${API}/files/${long}`);
        await expect414('HEAD', `${API}/files/${long}`);
        await expect414('PUT', `${API}/files/${long}`, { body: 'x' });
        await expect414('DELETE', `${API}/files/${long}`);
        await expect414('POST', `${API}/files/${long}`, { body, headers: { 'content-type': contentType } });
        await expect414('GET', `${API}/dirs/${long}`);
        await expect414('POST', `${API}/dirs/${long}`);
        await expect414('DELETE', `${API}/dirs/${long}`);
        for (const move of [
          { from: long, to: 'b' },
          { from: 'b', to: long },
        ]) {
          await expect414('POST', `${API}/move`, { body: JSON.stringify(move), headers: { 'content-type': 'application/json' } });
        }
      });
      assert.deepEqual(
        sent.filter((c) => c.includes(segment)),
        [],
      );
      // No command at all: the refusals never even took a session.
      assert.deepEqual(sent, []);
    });

    test('bytes, not characters: 1024 bytes of UTF-8 reach the server, 1025 do not', async () => {
      // Five segments of 100 "é" (200 bytes each), four "/": 1004 bytes; then "/" and 19 more.
      const accents = Array.from({ length: 5 }, () => 'é'.repeat(100));
      const at = [...accents, 'x'.repeat(19)].map(encodeURIComponent).join('/');
      const over = [...accents, 'x'.repeat(20)].map(encodeURIComponent).join('/');
      assert.equal((await gw.request('GET', `${API}/files/${at}`)).status, 404, 'at the limit: asked, and not found');
      await expect414('GET', `${API}/files/${over}`);
    });

    test('a multipart file name joined with its folder over the limit: 414, the name never reaches the server, nothing kept', async () => {
      const dir = Array.from({ length: 4 }, () => 'd'.repeat(200)).join('/');
      const name = `${'f'.repeat(250)}.txt`;
      const { body, contentType } = multipartBody([
        { field: 'a', filename: 'first.txt', content: 'first' },
        { field: 'b', filename: name, content: 'second' },
      ]);
      const sent = await during(async () => {
        await expect414('POST', `${API}/files/${dir}`, { body, headers: { 'content-type': contentType } });
      });
      assert.deepEqual(
        sent.filter((c) => c.includes('f'.repeat(250))),
        [],
      );
      const listing = await gw.request('GET', `${API}/dirs/${dir}`);
      assert.deepEqual(listing.json<{ entries: unknown[] }>().entries, [], 'the first part was removed too');
    });
  });
});
