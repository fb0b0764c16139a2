import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import type { RelayFunction, RelayResult } from './relay.js';

/**
 * Runs the relay over loopback socket pairs before anything trusts it: a
 * whole source to its end, a limit that leaves the rest of the source where
 * it was, and an idle source that times out. The bytes are compared, not
 * just counted. A Node or kernel change that breaks an assumption of the
 * relay (how Node holds a socket's descriptor, what it reads ahead) then
 * costs speed, never data. Resolves null when all held, else why not.
 */
export async function relaySelfTest(relay: RelayFunction, options: { deadlineMs?: number } = {}): Promise<string | null> {
  const deadlineMs = options.deadlineMs ?? 5_000;
  const server = net.createServer({ pauseOnConnect: true });
  const sockets: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => sockets.push(s));
  let timer: NodeJS.Timeout | undefined;
  try {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const pair = async (): Promise<{ near: net.Socket; far: net.Socket }> => {
      const accepted = once(server, 'connection') as Promise<[net.Socket]>;
      const far = net.connect(port, '127.0.0.1');
      sockets.push(far);
      far.on('error', () => undefined);
      const [near] = await accepted;
      near.on('error', () => undefined);
      return { near, far };
    };
    const run = async (): Promise<string | null> => {
      const payload = randomBytes(16 * 1024);

      // The whole source, to its end.
      const a = await pair();
      const b = await pair();
      const received = collect(b.far);
      a.far.end(payload);
      let asked = false;
      const whole = await relay(a.near, b.near, {
        limit: null,
        idleMs: 2_000,
        beforeFirstByte: async () => (asked = true),
      });
      b.near.end();
      const wrong = expect('to its end', whole, 'eof', payload.length);
      if (wrong) return wrong;
      if (!asked) return 'the relay did not ask before its first byte';
      if (!(await received).equals(payload)) return 'to its end: the bytes that arrived differ from those sent';

      // A limit: exactly that many bytes, the rest still in the source for Node.
      const c = await pair();
      const d = await pair();
      const head = collect(d.far);
      c.far.write(payload);
      const limit = 5_000;
      const limited = await relay(c.near, d.near, { limit, idleMs: 2_000 });
      d.near.end();
      const wrongLimit = expect('with a limit', limited, 'limit', limit);
      if (wrongLimit) return wrongLimit;
      if (!(await head).equals(payload.subarray(0, limit))) return 'with a limit: the bytes that arrived differ from those sent';
      const rest = collect(c.near, payload.length - limit);
      c.near.resume();
      if (!(await rest).equals(payload.subarray(limit))) return 'with a limit: the rest of the source was not left for Node';

      // An idle source: what came is moved, then a timeout.
      const e = await pair();
      const f = await pair();
      const some = collect(f.far, 4_096);
      e.far.write(payload.subarray(0, 4_096));
      const idle = await relay(e.near, f.near, { limit: null, idleMs: 100 });
      const wrongIdle = expect('on an idle source', idle, 'timeout', 4_096);
      if (wrongIdle) return wrongIdle;
      if (!(await some).equals(payload.subarray(0, 4_096))) return 'on an idle source: the bytes that arrived differ from those sent';
      return null;
    };
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`the self-test did not finish within ${deadlineMs} ms`), deadlineMs);
    });
    return await Promise.race([run(), late]);
  } catch (err) {
    return `the self-test failed: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    server.close();
  }
}

function expect(what: string, result: RelayResult, status: RelayResult['status'], bytes: number): string | null {
  if (result.status === status && result.bytes === bytes && result.bytesIn === bytes) return null;
  return `${what}: ${result.status} after ${result.bytes} bytes written and ${result.bytesIn} read, expected ${status} after ${bytes}`;
}

/** The bytes `socket` receives: until its end, or until `count` came. */
function collect(socket: net.Socket, count?: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (): void => {
      socket.off('data', onData);
      resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      if (count !== undefined && length >= count) done();
    };
    socket.on('data', onData);
    socket.once('end', done);
    socket.once('close', done);
  });
}
