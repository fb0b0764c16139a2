// Error statuses no well-behaved real server produces on demand (quota,
// silence, garbage, 421, an exhausted pool), from the scripted FTP peer.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startScriptedServer, type Script, type ScriptedServer } from '../../helpers/scriptedFtpServer.js';
import { eventually, gatewayConfig, serverConfig, startGateway, type RunningGateway } from '../../helpers/httpHarness.js';

const API = '/api/v1/servers/default';

/** TYPE and NOOP succeed, CWD says "not a directory"; EPSV opens a real passive port that accepts and then holds the data connection. */
function script(on: (verb: string, line: string, reply: (t: string) => void) => boolean): Script {
  return (line, reply) => {
    const verb = line.split(' ')[0]?.toUpperCase() ?? '';
    if (on(verb, line, reply)) return;
    if (verb === 'TYPE' || verb === 'NOOP') reply('200 OK');
    else if (verb === 'CWD') reply('550 Failed to change directory.');
    else if (verb === 'EPSV') {
      const data = net.createServer((s) => s.on('error', () => undefined));
      data.listen(0, '127.0.0.1', () => reply(`229 Entering Extended Passive Mode (|||${(data.address() as net.AddressInfo).port}|)`));
      data.unref();
    } else reply('502 not implemented');
  };
}

async function withGateway(
  s: ScriptedServer | { port: number },
  over: Parameters<typeof serverConfig>[0] extends infer T ? Partial<T> : never,
  fn: (gw: RunningGateway) => Promise<void>,
): Promise<void> {
  const gw = await startGateway(gatewayConfig([serverConfig({ host: '127.0.0.1', port: s.port, mode: 'passive', ...over })]));
  try {
    await fn(gw);
  } finally {
    await gw.close();
  }
}

/** Answers EPSV with a one-off loopback data listener; `onSocket` gets the connection. */
function answerEpsv(reply: (text: string) => void, onSocket: (socket: net.Socket) => void): void {
  const data = net.createServer((sock) => {
    onSocket(sock);
    sock.on('error', () => undefined);
  });
  data.listen(0, '127.0.0.1', () => reply(`229 Entering Extended Passive Mode (|||${(data.address() as net.AddressInfo).port}|)`));
  data.unref();
}

describe('HTTP error mapping from FTP faults', () => {
  const servers: ScriptedServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const start = async (sc: Script): Promise<ScriptedServer> => {
    const s = await startScriptedServer(sc);
    servers.push(s);
    return s;
  };

  test('452 on STOR → 507 with ftpCode', async () => {
    const s = await start(
      script((verb, _l, reply) => {
        if (verb === 'STOR') {
          reply('452 Insufficient storage space');
          return true;
        }
        if (verb === 'CWD' || verb === 'MKD' || verb === 'DELE') {
          reply('250 OK');
          return true;
        }
        return false;
      }),
    );
    await withGateway(s, {}, async (gw) => {
      const r = await gw.request('PUT', `${API}/files/a.bin`, { body: 'data' });
      assert.equal(r.status, 507, r.text());
      assert.equal(r.json<{ ftpCode: number }>().ftpCode, 452);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    });
  });

  test('a server that stops answering → 504', async () => {
    const s = await start(script((verb) => verb === 'SIZE'));
    await withGateway(s, { timeouts: { connectMs: 2000, commandMs: 300, dataMs: 2000 } }, async (gw) => {
      const r = await gw.request('GET', `${API}/files/a.bin`);
      assert.equal(r.status, 504, r.text() + s.received.join(' / '));
    });
  });

  test('421 → 503', async () => {
    const s = await start(
      script((verb, _l, reply) => {
        if (verb !== 'SIZE') return false;
        reply('421 Service not available, closing control connection');
        return true;
      }),
    );
    await withGateway(s, {}, async (gw) => {
      const r = await gw.request('GET', `${API}/files/a.bin`);
      assert.equal(r.status, 503, r.text());
    });
  });

  test('an unparseable reply → 502', async () => {
    const s = await start(
      script((verb, _l, reply) => {
        if (verb !== 'SIZE') return false;
        reply('this is not FTP');
        return true;
      }),
    );
    await withGateway(s, { timeouts: { connectMs: 2000, commandMs: 1000, dataMs: 2000 } }, async (gw) => {
      const r = await gw.request('GET', `${API}/files/a.bin`);
      assert.equal(r.status, 502, r.text());
    });
  });

  test('data connection refused in every mode → 502', async () => {
    const s = await start(
      script((verb, _l, reply) => {
        if (verb === 'SIZE') {
          reply('213 4');
          return true;
        }
        if (verb === 'MDTM') {
          reply('213 20240101000000');
          return true;
        }
        if (['EPSV', 'PASV', 'EPRT', 'PORT'].includes(verb)) {
          reply('500 no data connections today');
          return true;
        }
        return false;
      }),
    );
    await withGateway(s, { mode: 'auto' }, async (gw) => {
      const r = await gw.request('GET', `${API}/files/a.bin`);
      assert.equal(r.status, 502, r.text());
    });
  });

  test('FTP server unreachable → 503', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await withGateway({ port }, {}, async (gw) => {
      const r = await gw.request('GET', `${API}/files/a.bin`);
      assert.equal(r.status, 503, r.text());
      const ready = await gw.request('GET', '/readyz');
      assert.equal(ready.status, 503);
    });
  });

  test('no pooled session free in time → 503 with Retry-After', async () => {
    // SIZE never answers: the first request holds the only session.
    const s = await start(script((verb) => verb === 'SIZE'));
    await withGateway(
      s,
      {
        pool: { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 200 },
        timeouts: { connectMs: 2000, commandMs: 3000, dataMs: 3000 },
      },
      async (gw) => {
        const first = gw.request('GET', `${API}/files/a.bin`);
        await new Promise((r) => setTimeout(r, 100));
        const second = await gw.request('GET', `${API}/files/b.bin`);
        assert.equal(second.status, 503, second.text());
        assert.equal(second.json<{ code: string }>().code, 'FTP_POOL_TIMEOUT');
        assert.ok(second.headers['retry-after']);
        assert.equal((await first).status, 504);
      },
    );
  });

  test('the FTP side fails after headers went out → the response is cut, never ended as complete', async () => {
    let dataSocket: net.Socket | undefined;
    const s = await start((line, reply) => {
      const verb = line.split(' ')[0]?.toUpperCase() ?? '';
      if (verb === 'TYPE') reply('200 OK');
      else if (verb === 'CWD') reply('550 Failed to change directory.');
      else if (verb === 'SIZE') reply('213 1000000');
      else if (verb === 'MDTM') reply('213 20240101000000');
      else if (verb === 'EPSV') answerEpsv(reply, (sock) => (dataSocket = sock));
      else if (verb === 'RETR') {
        reply('150 Opening BINARY mode data connection');
        const send = (): void => {
          if (!dataSocket) return void setTimeout(send, 5);
          // Part of the file, then the server gives up (RFC 959: 426).
          dataSocket.end(Buffer.alloc(300_000, 1), () => reply('426 Connection closed; transfer aborted.'));
        };
        send();
      } else if (verb === 'ABOR') reply('226 ABOR successful');
      else reply('502 not implemented');
    });
    await withGateway(s, {}, async (gw) => {
      // ASCII: chunked, no Content-Length, so only the missing last chunk can
      // tell the client the body is incomplete. Ending the response would
      // look like a complete 200.
      const outcome = await gw.request('GET', `${API}/files/a.bin?type=ascii`).then(
        (r) => ({ status: r.status, length: r.body.length }),
        (err: NodeJS.ErrnoException) => ({ error: err.code ?? err.message }),
      );
      assert.ok('error' in outcome, JSON.stringify(outcome));
    });
  });

  test('a client that hangs up after the whole body, before the 226, aborts nothing', async () => {
    let abors = 0;
    let finish: (() => void) | undefined;
    const s = await start((line, reply) => {
      const verb = line.split(' ')[0]?.toUpperCase() ?? '';
      if (verb === 'TYPE' || verb === 'NOOP') reply('200 OK');
      else if (verb === 'SIZE' && line !== 'SIZE /') reply('213 5000');
      else if (verb === 'MDTM') reply('213 20240101000000');
      else if (verb === 'EPSV')
        answerEpsv(reply, (sock) => {
          // Every byte, then the 226 only once the test says so.
          sock.end(Buffer.alloc(5000, 7));
          finish = () => reply('226 Transfer complete');
        });
      else if (verb === 'RETR') reply('150 Opening BINARY mode data connection');
      else if (verb === 'ABOR') {
        abors++;
        reply('226 ABOR successful');
      } else reply('550 no');
    });
    await withGateway(s, { pool: { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 } }, async (gw) => {
      const socket = net.connect(gw.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`GET ${API}/files/a.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
      let text = '';
      await new Promise<void>((resolve) =>
        socket.on('data', (c: Buffer) => {
          text += c.toString('latin1');
          const body = text.indexOf('\r\n\r\n');
          if (body >= 0 && text.length - body - 4 >= 5000) resolve();
        }),
      );
      socket.destroy();
      await eventually(() => finish !== undefined);
      await new Promise((r) => setTimeout(r, 100));
      finish?.();
      // The one pooled session finished its transfer in step and serves the next request.
      const next = await gw.request('GET', `${API}/files/a.bin`);
      assert.equal(next.status, 200);
      assert.equal(abors, 0, 'no ABOR for a transfer the client received whole');
      const metrics = (await gw.request('GET', '/metrics')).text();
      assert.doesNotMatch(metrics, /gateway_transfer_duration_seconds_count\{[^}]*outcome="(failed|error)"[^}]*\} [1-9]/);
    });
  });

  test('a client that disconnects mid-download aborts the FTP transfer', async () => {
    let aborted = false;
    let dataSocket: net.Socket | undefined;
    const s = await start((line, reply) => {
      const verb = line.split(' ')[0]?.toUpperCase() ?? '';
      if (verb === 'TYPE' || verb === 'NOOP') reply('200 OK');
      else if (verb === 'CWD') reply('550 Failed to change directory.');
      else if (verb === 'SIZE') reply('213 100000000');
      else if (verb === 'MDTM') reply('213 20240101000000');
      else if (verb === 'EPSV') answerEpsv(reply, (sock) => (dataSocket = sock));
      else if (verb === 'RETR') {
        reply('150 Opening BINARY mode data connection');
        const pump = (): void => {
          if (!dataSocket) return void setTimeout(pump, 5);
          if (dataSocket.destroyed) return;
          if (dataSocket.write(Buffer.alloc(64 * 1024, 2))) setImmediate(pump);
          else dataSocket.once('drain', pump);
        };
        pump();
      } else if (verb === 'ABOR') {
        aborted = true;
        dataSocket?.destroy();
        reply('426 Transfer aborted');
        reply('226 ABOR successful');
      } else reply('502 not implemented');
    });
    await withGateway(s, {}, async (gw) => {
      const socket = net.connect(gw.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`GET ${API}/files/a.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
      let received = 0;
      await new Promise<void>((resolve) =>
        socket.on('data', (c: Buffer) => {
          received += c.length;
          if (received > 1_000_000) resolve();
        }),
      );
      socket.destroy();
      await eventually(() => aborted || dataSocket?.destroyed === true);
      await eventually(async () => (await gw.request('GET', '/api/v1/transfers')).json<unknown[]>().length === 0);
    });
  });
});
