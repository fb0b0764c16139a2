import assert from 'node:assert/strict';
import { Agent, createServer, request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { once } from 'node:events';
import { pino } from 'pino';
import { shutdown } from '../../src/shutdown.js';
import type { ShutdownTarget } from '../../src/shutdown.js';

const logger = pino({ level: 'silent' });

/** Stands in for the HTTP layer's Gateway: counts calls and tracks "transfers". */
class FakeGateway implements ShutdownTarget {
  shuttingDown = false;
  closeCalls = 0;
  closeError: Error | null = null;
  readonly #active = new Set<Promise<void>>();

  track(done: Promise<void>): void {
    this.#active.add(done);
    void done.finally(() => this.#active.delete(done));
  }
  beginShutdown(): void {
    this.shuttingDown = true;
  }
  activeTransfers(): number {
    return this.#active.size;
  }
  async waitForTransfers(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const result = await Promise.race([Promise.all(this.#active).then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }
  async close(): Promise<void> {
    this.closeCalls += 1;
    if (this.closeError) throw this.closeError;
  }
}

interface Harness {
  server: Server;
  gateway: FakeGateway;
  port: number;
  /** Finishes the streaming response of GET /transfer. */
  finishTransfer: () => void;
}

/** GET /transfer streams a first chunk and ends when the test says so; anything else answers at once. */
async function startHarness(): Promise<Harness> {
  const gateway = new FakeGateway();
  let finishTransfer: () => void = () => undefined;
  const server = createServer((req, res) => {
    if (gateway.shuttingDown) {
      res.writeHead(503, { connection: 'close' }).end();
      return;
    }
    if (req.url === '/transfer') {
      const done = new Promise<void>((resolve) => {
        finishTransfer = () => {
          res.end('second half');
          resolve();
        };
      });
      gateway.track(done);
      res.on('close', () => finishTransfer());
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first half, ');
      return;
    }
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, gateway, port: (server.address() as AddressInfo).port, finishTransfer: () => finishTransfer() };
}

function get(port: number, path: string, agent?: Agent): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: agent ?? false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Reads a body; resolves with what arrived and whether the stream was cut. */
function readBody(res: IncomingMessage): Promise<{ text: string; complete: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => resolve({ text, complete: res.complete }));
    res.on('error', () => resolve({ text, complete: false }));
    res.on('close', () => resolve({ text, complete: res.complete }));
  });
}

describe('shutdown', () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.closeAllConnections();
  });

  it('refuses new connections, lets a transfer finish, then closes the sessions', async () => {
    const h = await startHarness();
    servers.push(h.server);
    const res = await get(h.port, '/transfer');
    const body = readBody(res);

    const stopping = shutdown(h.server, h.gateway, { graceMs: 60_000, logger });
    assert.equal(h.gateway.shuttingDown, true);
    await assert.rejects(get(h.port, '/'), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');
    assert.equal(h.gateway.closeCalls, 0, 'sessions stay open while a transfer runs');

    h.finishTransfer();
    const result = await stopping;
    assert.deepEqual(result, { drained: true, cut: 0 });
    assert.deepEqual(await body, { text: 'first half, second half', complete: true });
    assert.equal(h.gateway.closeCalls, 1);
    assert.equal(h.server.listening, false);
  });

  it('cuts transfers still running after the grace period', async () => {
    const h = await startHarness();
    servers.push(h.server);
    const res = await get(h.port, '/transfer');
    const body = readBody(res);

    const result = await shutdown(h.server, h.gateway, { graceMs: 50, logger });
    assert.deepEqual(result, { drained: false, cut: 1 });
    const received = await body;
    assert.equal(received.complete, false);
    assert.equal(received.text, 'first half, ');
    assert.equal(h.gateway.closeCalls, 1);
  });

  it('closes idle kept-alive connections', async () => {
    const h = await startHarness();
    servers.push(h.server);
    const serverSockets: Socket[] = [];
    h.server.on('connection', (socket: Socket) => serverSockets.push(socket));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    after(() => agent.destroy());
    await readBody(await get(h.port, '/', agent));
    const [socket] = serverSockets;
    assert.ok(socket && !socket.destroyed, 'the connection is kept alive');

    await shutdown(h.server, h.gateway, { graceMs: 60_000, logger });
    assert.equal(socket.destroyed, true);
  });

  it('still finishes when closing the sessions fails', async () => {
    const h = await startHarness();
    servers.push(h.server);
    h.gateway.closeError = new Error('QUIT failed');
    const result = await shutdown(h.server, h.gateway, { graceMs: 1_000, logger });
    assert.deepEqual(result, { drained: true, cut: 0 });
    assert.equal(h.gateway.closeCalls, 1);
  });
});
