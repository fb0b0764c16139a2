// The Server-Sent Events writer on a real loopback HTTP exchange: the wire
// format a browser's EventSource reads, and bounded memory for a caller that
// stops reading (dropped with a last SUBSCRIBER_TOO_SLOW event, never an
// ever-growing buffer).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStream, frame } from '../../../../src/http/body/eventStream.js';

async function serve(handler: (res: http.ServerResponse) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('EventStream', () => {
  test('frames id, event and one data line; JSON with a line break in a value stays on one line', () => {
    assert.equal(frame({ id: 'a-1', event: 'created', data: { name: 'x\ny' } }), 'id: a-1\nevent: created\ndata: {"name":"x\\ny"}\n\n');
    assert.equal(frame({ event: 'error', data: { code: 'X' } }), 'event: error\ndata: {"code":"X"}\n\n');
  });

  test('headers for an event stream; messages and comments reach the client as written', async () => {
    const ends: string[] = [];
    let stream: EventStream | undefined;
    const server = await serve((res) => {
      stream = new EventStream(res, { keepAliveMs: 60_000, maxBufferedBytes: 1024 * 1024, onEnd: (why) => ends.push(why) });
      stream.open();
      stream.send({ id: 'e-1', event: 'created', data: { name: 'a' } });
      stream.comment('keep-alive');
      stream.end();
    });
    const body = await new Promise<{ headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: '/' }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ headers: res.headers, text }));
        })
        .on('error', reject);
    });
    await server.close();
    assert.match(String(body.headers['content-type']), /^text\/event-stream/);
    assert.equal(body.headers['cache-control'], 'no-cache, no-transform');
    assert.equal(body.text, 'id: e-1\nevent: created\ndata: {"name":"a"}\n\n: keep-alive\n\n');
    assert.deepEqual(ends, ['server']);
    assert.equal(stream?.ended, true);
  });

  test('a caller that stops reading is dropped once maxBufferedBytes wait for it: SUBSCRIBER_TOO_SLOW, then the end', async () => {
    const MAX = 64 * 1024;
    const ends: string[] = [];
    let peak = 0;
    let sent = 0;
    const done = new Promise<void>((resolveDone) => {
      void serve(async (res) => {
        const stream = new EventStream(res, { keepAliveMs: 60_000, maxBufferedBytes: MAX, onEnd: (why) => ends.push(why) });
        stream.open();
        const padding = 'x'.repeat(1000);
        // Bounded: 50 MB at most, far past what loopback socket buffers take.
        for (let batch = 0; batch < 500 && !stream.ended; batch++) {
          for (let i = 0; i < 100 && !stream.ended; i++) {
            stream.send({ id: `e-${sent}`, event: 'created', data: { name: padding } });
            sent++;
            peak = Math.max(peak, res.writableLength);
          }
          await new Promise((r) => setImmediate(r));
        }
        resolveDone();
      }).then((server) => {
        // Connect and never read.
        const req = http.get({ host: '127.0.0.1', port: server.port, path: '/' }, (res) => res.pause());
        req.on('error', () => undefined);
        void done.then(() => {
          req.destroy();
          void server.close();
        });
      });
    });
    await done;
    assert.deepEqual(ends, ['overflow'], `dropped after ${sent} events`);
    assert.ok(peak <= MAX + 2_000, `unsent bytes peaked at ${peak}: one message past the bound at most`);
  });
});
