// takeOverBody against a real Node HTTP server: once the body is taken, Node
// reads nothing more from the socket until it is given back, and a read that
// happened anyway (Node internals not as expected) is reported, never missed.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { takeOverBody } from '../../../../src/http/body/takeOverBody.js';

describe('takeOverBody', () => {
  let server: http.Server;
  let port = 0;
  let onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;

  before(async () => {
    server = http.createServer((req, res) => onRequest(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  /** A PUT declaring `declared` body bytes of which `first` are sent at once; `handler` runs on the server with the client's socket. */
  async function withPut(first: Buffer, declared: number, handler: (req: http.IncomingMessage, client: net.Socket) => Promise<void>): Promise<void> {
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    const done = new Promise<void>((resolve, reject) => {
      onRequest = (req, res) => {
        handler(req, client).then(() => {
          res.setHeader('Connection', 'close');
          res.end();
          resolve();
        }, reject);
      };
    });
    client.write(`PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\n`);
    client.write(first);
    try {
      await done;
    } finally {
      client.destroy();
    }
  }

  it('hands over what Node read, leaves the rest in the socket, and restore() says so', async () => {
    const first = Buffer.alloc(1000, 1);
    await withPut(first, 6000, async (req, client) => {
      await sleep(50);
      const taken = takeOverBody(req);
      assert.ok(taken);
      assert.equal(taken.head.reduce((n, c) => n + c.length, 0), first.length);
      const before = req.socket.bytesRead;
      client.write(Buffer.alloc(5000, 2));
      await sleep(100);
      req.read();
      await sleep(50);
      assert.equal(req.socket.bytesRead, before, 'Node read nothing more, not even when the body was read');
      assert.equal(taken.restore(), true);
    });
  });

  it('reports a read that happened while the body was taken', async () => {
    await withPut(Buffer.alloc(100, 1), 200, async (req, client) => {
      await sleep(50);
      const taken = takeOverBody(req);
      assert.ok(taken);
      // Someone reads anyway, as Node might where its internals differ.
      const handle = (req.socket as unknown as { _handle: { readStart(): number } })._handle;
      Object.getPrototypeOf(handle).readStart.call(handle);
      client.write(Buffer.alloc(100, 2));
      await sleep(100);
      assert.equal(taken.restore(), false);
    });
  });
});
