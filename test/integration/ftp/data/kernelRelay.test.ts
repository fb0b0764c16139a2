// Large binary downloads through the kernel relay (src/relay: splice from the
// FTP data connection into the HTTP socket, native/socket_relay.c) on a real
// vsftpd, through the fault proxy so the data connection can be cut. Each case
// checks that the relay really carried the bytes (the transfer event says so)
// and that its outcome is the stream path's: the same bytes, ranges, a cut
// never taken as complete, a disconnect that leaves the session usable.
// (Uploads and ASCII always take the stream path: putFile.stream.test.ts.)
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { FtpTransferEvent } from '../../../../src/ftp/index.js';
import { readResponse, relayRig, relaySkip } from '../../../helpers/relayRig.js';
import { API, outcomeOf, putOnDisk, randomContent, type Rig } from '../../../reliability/harness.js';
import { eventually, sha256, type RawResponse } from '../../../helpers/httpHarness.js';

const MiB = 1024 * 1024;

describe('kernel relay transfers (vsftpd)', relaySkip(), () => {
  const relay = relayRig();
  const { rig } = relay;
  const big = randomContent(6 * MiB + 123);
  const downloadEvent = (): (() => Promise<FtpTransferEvent>) => relay.nextTransfer('download');
  /** A GET and the download event its transfer published. */
  const download = async (
    r: Rig,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ res: RawResponse; event: FtpTransferEvent }> => {
    const event = downloadEvent();
    const res = await r.request('GET', path, { headers });
    return { res, event: await event() };
  };

  before(async () => {
    await putOnDisk(relay.ftp, 'big.bin', big);
    await putOnDisk(relay.ftp, 'small.bin', big.subarray(0, 64 * 1024));
  });

  for (const mode of ['passive', 'active'] as const) {
    test(`${mode}: the whole file, byte for byte, carried by the relay`, async () => {
      const r = await rig();
      const { res, event } = await download(r, `${API}/files/big.bin?mode=${mode}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-length'], String(big.length));
      assert.equal(sha256(res.body), sha256(big));
      assert.equal(event.kernelRelay, true);
      assert.equal(event.ok, true);
      assert.equal(event.bytes, big.length);
      assert.match(event.method, mode === 'passive' ? /^(EPSV|PASV)$/ : /^(EPRT|PORT)$/);
    });
  }

  test('the HTTP connection stays usable: a second request on it after a relayed body', async () => {
    const r = await rig();
    const socket = net.connect(r.port, '127.0.0.1');
    try {
      const event = downloadEvent();
      socket.write(`GET ${API}/files/big.bin?mode=passive HTTP/1.1\r\nHost: x\r\n\r\n`);
      const first = await readResponse(socket);
      assert.match(first.head, /^HTTP\/1\.1 200/);
      assert.equal(sha256(first.body), sha256(big));
      assert.equal((await event()).kernelRelay, true);
      const smallEvent = downloadEvent();
      socket.write(`GET ${API}/files/small.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
      const second = await readResponse(socket);
      await smallEvent();
      assert.match(second.head, /^HTTP\/1\.1 200/);
      assert.ok(second.body.equals(big.subarray(0, 64 * 1024)));
    } finally {
      socket.destroy();
    }
  });

  test('a range ending before EOF: the exact slice, then ABOR, and the session serves the next request', async () => {
    const r = await rig();
    const { res, event } = await download(r, `${API}/files/big.bin`, { Range: 'bytes=1000-3000999' });
    assert.equal(res.status, 206);
    assert.equal(res.headers['content-range'], `bytes 1000-3000999/${big.length}`);
    assert.ok(res.body.equals(big.subarray(1000, 3_001_000)));
    assert.equal(event.kernelRelay, true);
    assert.equal(event.bytes, 3_000_000);
    assert.ok(r.proxy.commands.includes('ABOR'), 'the rest of the file was refused with ABOR');
    const next = await download(r, `${API}/files/big.bin`);
    assert.equal(sha256(next.res.body), sha256(big));
    assert.equal(r.proxy.totalControls, 1, 'one session served both');
  });

  test('a small file, and a server with kernelRelay=false, go through the stream path with the same bytes', async () => {
    const r = await rig();
    const small = await download(r, `${API}/files/small.bin`);
    assert.ok(small.res.body.equals(big.subarray(0, 64 * 1024)));
    assert.equal(small.event.kernelRelay, false);
    const off = await rig({ server: { kernelRelay: false } });
    const whole = await download(off, `${API}/files/big.bin`);
    assert.equal(sha256(whole.res.body), sha256(big));
    assert.equal(whole.event.kernelRelay, false);
  });

  for (const style of ['reset', 'close'] as const) {
    test(`the data connection cut (${style}) mid-relay: the body is cut, never complete; the next request succeeds`, async () => {
      const r = await rig();
      r.proxy.cutNextDataAfter(2 * MiB, style);
      const event = downloadEvent();
      const cut = await outcomeOf(r.port, 'GET', `${API}/files/big.bin?mode=passive`);
      assert.ok('error' in cut, `a cut download must not end cleanly: ${JSON.stringify('status' in cut ? cut.status : cut)}`);
      const e = await event();
      assert.equal(e.kernelRelay, true);
      // vsftpd sometimes answers 226 to a data connection closed cleanly mid-file: the FTP layer,
      // told the size (expectedBytes), counts the bytes and calls it incomplete all the same.
      assert.equal(e.ok, false, `the transfer event claims a complete file: ${JSON.stringify(e)}`);
      assert.ok(e.bytes < big.length);
      const next = await download(r, `${API}/files/big.bin?mode=passive`);
      assert.equal(sha256(next.res.body), sha256(big));
    });
  }

  test('the client goes away mid-relay: the transfer is aborted (ABOR), nothing stays in flight, the next request succeeds', async () => {
    const r = await rig();
    await putOnDisk(relay.ftp, 'huge.bin', Buffer.alloc(256 * MiB, 3));
    const event = downloadEvent();
    const socket = net.connect(r.port, '127.0.0.1');
    socket.write(`GET ${API}/files/huge.bin?mode=passive HTTP/1.1\r\nHost: x\r\n\r\n`);
    let received = 0;
    await new Promise<void>((resolve) =>
      socket.on('data', (c: Buffer) => {
        received += c.length;
        if (received >= MiB) resolve();
      }),
    );
    socket.destroy();
    const aborted = await event();
    assert.equal(aborted.kernelRelay, true);
    assert.equal(aborted.ok, false);
    assert.ok(aborted.bytes < 256 * MiB);
    await eventually(async () => (await r.request('GET', '/api/v1/transfers')).json<unknown[]>().length === 0);
    assert.ok(r.proxy.commands.includes('ABOR'));
    const next = await download(r, `${API}/files/big.bin`);
    assert.equal(sha256(next.res.body), sha256(big));
    // One session, put back in step by the ABOR (or replaced): never two.
    await eventually(() => r.proxy.openControls === 1);
  });
});
