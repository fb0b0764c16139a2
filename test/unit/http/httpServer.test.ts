// The listener's answer to requests Node's parser refuses: the status Node
// gives (431, 400), readable by a client that is still sending when it comes,
// and never written into a response already under way.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { createHttpServer } from '../../../src/http/httpServer.js';

describe('createHttpServer: requests the parser refuses', () => {
  let server: http.Server;
  let port = 0;
  let onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end('ok');

  before(async () => {
    server = createHttpServer((req, res) => onRequest(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Everything the server sends on one raw connection until it closes it; each write after the previous answer. */
  async function exchange(...writes: string[]): Promise<string> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    for (const [i, w] of writes.entries()) {
      if (i > 0) await once(socket, 'data');
      socket.write(w);
    }
    await once(socket, 'close');
    return Buffer.concat(chunks).toString('latin1');
  }

  it('a head over the limit: 431 reaches a Node client still sending it, every time', async () => {
    const statuses: Array<number | string> = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        await new Promise<number | string>((resolve) => {
          const req = http.request(
            { host: '127.0.0.1', port, path: '/x', agent: false, headers: { 'x-padding': 'p'.repeat(64 * 1024) } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
          req.end();
        }),
      );
    }
    assert.deepEqual(statuses, [431, 431, 431, 431, 431]);
  });

  it('a malformed head: 400 with Connection: close, then the connection ends', async () => {
    const reply = await exchange('GET /x HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
  });

  it('after a finished response on a kept-alive connection, a malformed request still gets its 400', async () => {
    const reply = await exchange('GET /x HTTP/1.1\r\nHost: x\r\n\r\n', 'BOGUS\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nokHTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('a response under way: nothing is written into it, the connection is cut', async () => {
    let started!: () => void;
    const headSent = new Promise<void>((resolve) => (started = resolve));
    onRequest = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '10' });
      res.write('12345');
      started();
    };
    try {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n');
      await headSent;
      socket.write('BOGUS\r\n\r\n');
      await once(socket, 'close');
      const reply = Buffer.concat(chunks).toString('latin1');
      assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(reply.endsWith('\r\n\r\n12345'), `only the response under way, got ${JSON.stringify(reply.slice(-40))}`);
    } finally {
      onRequest = (_req, res) => res.end('ok');
    }
  });
});
