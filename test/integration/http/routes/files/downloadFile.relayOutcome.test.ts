// What the log line and the transfer metric say about a download the kernel
// relay carried, when the client hangs up at the end of the body: a client
// that has every byte of the Content-Length need not wait for the FTP 226,
// and the data connection's end (FIN) may come after the last byte (here the
// fault proxy holds it back, as a busy server or a network can). Such a
// download is complete: logged with its byte count, not `aborted`, and the
// transfer is `ok`. A client that leaves early is still an abort, logged with
// the bytes that really went out; and a body cut short is never complete, even
// when the FTP server says 226.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { FtpTransferEvent } from '../../../../../src/ftp/index.js';
import { createLogger } from '../../../../../src/observability/logging.js';
import { DIRECT_MIN_BYTES } from '../../../../../src/http/routes/files/downloadFile.js';
import { FaultProxy } from '../../../../helpers/faultProxy.js';
import { relayRig, relaySkip } from '../../../../helpers/relayRig.js';
import { putOnDisk, randomContent } from '../../../../reliability/harness.js';
import { API, eventually, ftpServerConfig, gatewayConfig, startGateway, type RunningGateway } from '../../../../helpers/httpHarness.js';

const MiB = 1024 * 1024;

interface LogLine {
  level: number;
  msg: string;
  route?: string;
  status?: number;
  bytes?: number;
  aborted?: boolean;
}

/**
 * GET over a raw socket; the client closes as soon as it has `closeAt` body
 * bytes (default: the Content-Length), the body counted and dropped so that
 * nothing delays the hang-up.
 */
function getAndHangUp(port: number, path: string, closeAt?: number): Promise<{ head: string; received: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = Buffer.alloc(0);
    let headText: string | null = null;
    let want = -1;
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      if (headText === null) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        headText = head.subarray(0, end).toString('latin1');
        want = closeAt ?? Number(/content-length: (\d+)/i.exec(headText)?.[1]);
        received = head.length - end - 4;
      } else {
        received += chunk.length;
      }
      if (received >= want) {
        socket.destroy();
        resolve({ head: headText, received });
      }
    });
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

/** GET over a raw socket, read until the gateway closes: the head and how many body bytes came. */
function getToClose(port: number, path: string): Promise<{ head: string; received: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let all = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (all = Buffer.concat([all, chunk])));
    socket.on('error', reject);
    socket.on('close', () => {
      const end = all.indexOf('\r\n\r\n');
      resolve({ head: all.subarray(0, Math.max(0, end)).toString('latin1'), received: end < 0 ? 0 : all.length - end - 4 });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

describe('relayed downloads whose client hangs up (vsftpd, data FIN held back)', relaySkip(), () => {
  const relay = relayRig();
  const { events } = relay;
  let proxy: FaultProxy;
  let gw: RunningGateway;
  const lines: LogLine[] = [];
  const size = 2 * DIRECT_MIN_BYTES + 17;

  before(async () => {
    const { ftp } = relay;
    await putOnDisk(ftp, 'whole.bin', randomContent(size));
    await putOnDisk(ftp, 'big.bin', randomContent(64 * MiB));
    proxy = relay.closeAfter(await FaultProxy.start({ upstreamHost: ftp.host, upstreamPort: ftp.port }));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    gw = relay.closeAfter(
      await startGateway(gatewayConfig([ftpServerConfig(ftp, { port: proxy.port, mode: 'passive' })]), {
        logger: createLogger('info', sink),
      }),
    );
  });

  const connections = (): Promise<number> =>
    new Promise((resolve, reject) => gw.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  const fileLines = (): LogLine[] => lines.filter((l) => l.msg === 'request completed' && l.route?.includes('/files') === true);
  const metric = async (outcome: 'ok' | 'error'): Promise<number> => {
    const text = (await gw.request('GET', '/metrics')).text();
    const match = new RegExp(
      `gateway_transfer_duration_seconds_count\\{[^}]*direction="download"[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`,
    ).exec(text);
    return Number(match?.[1] ?? 0);
  };

  test('the client closes right after the last byte, before the data FIN: logged complete with its bytes, the transfer ok', async () => {
    const mark = { lines: fileLines().length, events: events.length, ok: await metric('ok'), error: await metric('error') };
    const release = proxy.holdNextDataEnd();
    const got = await getAndHangUp(gw.port, `${API}/files/whole.bin`);
    assert.match(got.head, /^HTTP\/1\.1 200/);
    assert.equal(got.received, size);
    // The gateway has seen the hang-up (its side of the connection is closed)
    // while the relay still waits for the data connection to end.
    await eventually(async () => (await connections()) === 0);
    await new Promise((resolve) => setImmediate(resolve));
    release();

    await eventually(() => events.length > mark.events);
    const event = events[mark.events] as FtpTransferEvent;
    assert.equal(event.kernelRelay, true, 'the relay carried it');
    assert.equal(event.ok, true, 'the transfer completed');
    assert.equal(event.bytes, size);

    await eventually(() => fileLines().length > mark.lines);
    const line = fileLines()[mark.lines] as LogLine;
    assert.equal(line.status, 200);
    assert.equal(line.bytes, size);
    assert.equal(line.aborted, undefined, JSON.stringify(line));
    assert.equal(line.level, 30, 'info, not warn');
    assert.equal(await metric('ok'), mark.ok + 1);
    assert.equal(await metric('error'), mark.error);
  });

  // The server sends it all and says 226; the data connection delivered less
  // (the proxy dropped the rest and ended cleanly, as a middlebox may): the
  // client has a short body, so the log and the metric must not say complete.
  for (const [file, bytes, relayed] of [
    ['whole.bin', size, true],
    ['small.bin', 300_000, false],
  ] as const) {
    test(`a data connection that ends short while the server says 226 (${relayed ? 'relayed' : 'streamed'}): an error, never complete`, async () => {
      if (!relayed) await putOnDisk(relay.ftp, file, randomContent(bytes));
      const mark = { lines: fileLines().length, events: events.length, ok: await metric('ok'), error: await metric('error') };
      proxy.truncateNextDataAfter(100_000);
      const got = await getToClose(gw.port, `${API}/files/${file}`);
      assert.match(got.head, /^HTTP\/1\.1 200/);
      assert.equal(got.received, 100_000);
      await eventually(() => events.length > mark.events);
      assert.equal((events[mark.events] as FtpTransferEvent).kernelRelay, relayed);
      // The FTP layer is told the size (expectedBytes): a 226 after fewer bytes is not complete there either.
      assert.equal((events[mark.events] as FtpTransferEvent).ok, false);
      await eventually(() => fileLines().length > mark.lines);
      const line = fileLines()[mark.lines] as LogLine;
      assert.equal(line.aborted, true, JSON.stringify(line));
      assert.equal(line.bytes, 100_000);
      assert.equal(await metric('error'), mark.error + 1);
      assert.equal(await metric('ok'), mark.ok);
    });
  }

  test('the client closes mid-body: an abort, logged with the bytes that went out', async () => {
    const mark = { lines: fileLines().length, events: events.length, error: await metric('error') };
    const got = await getAndHangUp(gw.port, `${API}/files/big.bin`, MiB);
    await eventually(() => events.length > mark.events);
    const event = events[mark.events] as FtpTransferEvent;
    assert.equal(event.kernelRelay, true);
    assert.equal(event.ok, false);
    await eventually(() => fileLines().length > mark.lines);
    const line = fileLines()[mark.lines] as LogLine;
    assert.equal(line.aborted, true);
    assert.equal(line.level, 40);
    assert.ok(typeof line.bytes === 'number' && line.bytes >= got.received && line.bytes < 64 * MiB, JSON.stringify(line));
    assert.equal(await metric('error'), mark.error + 1);
  });
});
