// Large PUT bodies on the stream path (RequestBody → pipeline → corkPerTurn →
// the data connection) on a real vsftpd, through the fault proxy so the data
// connection can be cut: the bytes arrive whole in both modes and at any
// pace, nothing is kept when the body or the data connection breaks, ASCII
// line ends are encoded on the way, and the HTTP connection stays alive for
// the next request (Node's parser read the whole body).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { FtpTransferEvent } from '../../../../../src/ftp/index.js';
import { refBareLfToCrlf } from '../../../../helpers/lineEnds.js';
import { readResponse, relayRig } from '../../../../helpers/relayRig.js';
import { serverSkip } from '../../../../helpers/requireServers.js';
import { API, outcomeOf, paced, putOnDisk, randomContent, temporaries } from '../../../../reliability/harness.js';
import { eventually, sha256 } from '../../../../helpers/httpHarness.js';

const MiB = 1024 * 1024;

describe('large PUT bodies on the stream path (vsftpd)', serverSkip('vsftpd'), () => {
  const relay = relayRig();
  const { rig } = relay;
  const big = randomContent(6 * MiB + 123);
  const uploadEvent = (): (() => Promise<FtpTransferEvent>) => relay.nextTransfer('upload');
  const onDisk = (name: string): Buffer | null => {
    const path = join(relay.ftp.root, name);
    return existsSync(path) ? readFileSync(path) : null;
  };

  for (const mode of ['passive', 'active'] as const) {
    test(`PUT ${mode}: the body arrives byte for byte, and the connection carries the next request`, async () => {
      const r = await rig();
      const socket = net.connect(r.port, '127.0.0.1');
      try {
        const event = uploadEvent();
        socket.write(`PUT ${API}/files/up/${mode}.bin?mode=${mode} HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n`);
        socket.write(big);
        const answer = await readResponse(socket);
        assert.match(answer.head, /^HTTP\/1\.1 201/);
        assert.doesNotMatch(answer.head, /connection: close/i);
        assert.deepEqual(JSON.parse(answer.body.toString('utf8')), { path: `up/${mode}.bin`, size: big.length });
        assert.equal(sha256(onDisk(`up/${mode}.bin`) ?? ''), sha256(big));
        const e = await event();
        assert.equal(e.kernelRelay, false);
        assert.equal(e.ok, true);
        assert.equal(e.bytes, big.length);
        assert.match(e.method, mode === 'passive' ? /^(EPSV|PASV)$/ : /^(EPRT|PORT)$/);
        // Keep-alive: Node's parser saw the body end.
        socket.write(`GET ${API}/files/up/${mode}.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
        const again = await readResponse(socket);
        assert.match(again.head, /^HTTP\/1\.1 200/);
        assert.equal(sha256(again.body), sha256(big));
      } finally {
        socket.destroy();
      }
    });
  }

  test('PUT with Expect: 100-continue, the body sent only after the 100', async () => {
    const r = await rig();
    const socket = net.connect(r.port, '127.0.0.1');
    try {
      socket.write(`PUT ${API}/files/up/expect.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\nExpect: 100-continue\r\n\r\n`);
      await new Promise<void>((resolve, reject) => {
        socket.once('data', (c: Buffer) =>
          /^HTTP\/1\.1 100 /.test(c.toString('latin1')) ? resolve() : reject(new Error(`not a 100: ${c.toString('latin1')}`)),
        );
      });
      socket.write(big);
      const answer = await readResponse(socket);
      assert.match(answer.head, /^HTTP\/1\.1 201/);
      assert.equal(sha256(onDisk('up/expect.bin') ?? ''), sha256(big));
    } finally {
      socket.destroy();
    }
  });

  test('a slow client (256 KiB every 20 ms): every byte arrives', async () => {
    const r = await rig();
    const res = await r.request('PUT', `${API}/files/up/slow.bin`, {
      body: paced(big, 256 * 1024, 20),
      headers: { 'Content-Length': String(big.length) },
    });
    assert.equal(res.status, 201);
    assert.equal(sha256(onDisk('up/slow.bin') ?? ''), sha256(big));
  });

  test('a body that ends before its Content-Length: the target keeps its old content, no temporary file stays', async () => {
    const r = await rig();
    const old = randomContent(100_000);
    await putOnDisk(relay.ftp, 'up/short.bin', old);
    const event = uploadEvent();
    const socket = net.connect(r.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`PUT ${API}/files/up/short.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n`);
    socket.write(big.subarray(0, 3 * MiB));
    await eventually(() => r.proxy.dataBytesToServer >= 2 * MiB);
    socket.end();
    const e = await event();
    assert.equal(e.ok, false);
    await eventually(() => temporaries(relay.ftp.root).length === 0);
    assert.ok(onDisk('up/short.bin')?.equals(old), 'old content kept');
    socket.destroy();
    const next = await r.request('PUT', `${API}/files/up/short.bin`, { body: big });
    assert.equal(next.status, 201);
    assert.equal(sha256(onDisk('up/short.bin') ?? ''), sha256(big));
  });

  test('the data connection cut mid-upload: an error status, old content kept, temporary removed', async () => {
    const r = await rig();
    const old = randomContent(100_000);
    await putOnDisk(relay.ftp, 'up/cut.bin', old);
    r.proxy.cutNextDataAfter(2 * MiB);
    const event = uploadEvent();
    const out = await outcomeOf(r.port, 'PUT', `${API}/files/up/cut.bin?mode=passive`, big);
    assert.ok('status' in out && out.status >= 500, `an error status: ${JSON.stringify('status' in out ? out.status : out)}`);
    const e = await event();
    assert.equal(e.ok, false);
    await eventually(() => temporaries(relay.ftp.root).length === 0);
    assert.ok(onDisk('up/cut.bin')?.equals(old), 'old content kept');
  });

  test('ASCII PUT of about 2 MiB: bare LF sent as CRLF, the wire bytes are what the server stored', async () => {
    // CRLF, bare LF and lone CR line ends, and a CR on many block edges.
    const text = Buffer.from(
      Array.from({ length: 60_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 23)}${['\r\n', '\n', '\r', '\r\r\n'][i % 4]}`).join(''),
      'latin1',
    );
    const r = await rig();
    const event = uploadEvent();
    const res = await r.request('PUT', `${API}/files/text/ascii.txt?type=ascii`, { body: text });
    assert.equal(res.status, 201);
    const e = await event();
    assert.equal(e.ok, true);
    const stored = onDisk('text/ascii.txt');
    assert.ok(stored?.equals(refBareLfToCrlf(text)), 'stored as the TYPE A rules say');
    assert.equal(e.bytes, stored?.length, 'wire bytes are the converted ones');
  });
});
