// src/relay over loopback socket pairs: the real addon (native/socket_relay.c)
// where it is built, and stub addons that misbehave, which the self-test
// must catch so that the relay is off instead of trusted with data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { kernelRelay, RelaySwitch, type RelayCounts } from '../../src/relay/index.js';
import { loadNativeRelay, RELAY_ABI, type RelayAddon } from '../../src/relay/native.js';
import { createRelay } from '../../src/relay/relay.js';

function addonSkip(): { skip?: string } {
  if (kernelRelay.built) return {};
  // CI builds the addon at npm ci: there, a missing addon is a failure.
  if (process.env.CI) throw new Error('the kernel relay addon is not built (npm run build:native)');
  return { skip: 'kernel relay addon not built (npm run build:native)' };
}

/** Loopback pairs: `near` is the gateway's end (paused since accepted, as a data socket is), `far` the peer's. */
class Pairs {
  readonly #server = net.createServer({ pauseOnConnect: true });
  readonly #sockets: net.Socket[] = [];
  #port = 0;

  async start(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as net.AddressInfo).port;
  }

  async pair(): Promise<{ near: net.Socket; far: net.Socket }> {
    const accepted = once(this.#server, 'connection') as Promise<[net.Socket]>;
    const far = net.connect(this.#port, '127.0.0.1');
    const [near] = await accepted;
    for (const s of [near, far]) {
      s.on('error', () => undefined);
      this.#sockets.push(s);
    }
    return { near, far };
  }

  close(): void {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
  }
}

/** What `socket` receives until its end (or until `count` bytes came). */
function received(socket: net.Socket, count?: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    const done = (): void => resolve(Buffer.concat(chunks));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (count !== undefined && n >= count) done();
    });
    socket.once('end', done);
  });
}

describe('relay() on the built addon', addonSkip(), () => {
  const pairs = new Pairs();
  const relay = (() => {
    const addon = loadNativeRelay();
    return 'missing' in addon ? null : createRelay(addon);
  })();
  before(() => pairs.start());
  after(() => pairs.close());

  test('a whole source to its end, byte for byte; progress as running totals, live counts from onStart', async () => {
    const a = await pairs.pair();
    const b = await pairs.pair();
    const payload = randomBytes(3 * 1024 * 1024 + 7);
    const arrived = received(b.far);
    a.far.end(payload);
    const progress: RelayCounts[] = [];
    let live: (() => RelayCounts) | undefined;
    const result = await relay!(a.near, b.near, {
      limit: null,
      idleMs: 2_000,
      onProgress: (c) => progress.push(c),
      onStart: (read) => (live = read),
    });
    b.near.end();
    assert.deepEqual(result, { status: 'eof', bytes: payload.length, bytesIn: payload.length, errno: 0 });
    assert.ok((await arrived).equals(payload));
    assert.deepEqual(progress.at(-1), { bytes: payload.length, bytesIn: payload.length });
    for (let i = 1; i < progress.length; i++)
      assert.ok((progress[i] as RelayCounts).bytes >= (progress[i - 1] as RelayCounts).bytes, 'never a delta');
    assert.deepEqual(live?.(), { bytes: payload.length, bytesIn: payload.length });
  });

  test('a limit: exactly that many bytes, the rest left in the source for Node', async () => {
    const a = await pairs.pair();
    const b = await pairs.pair();
    const payload = randomBytes(200_000);
    const head = received(b.far);
    a.far.write(payload);
    const result = await relay!(a.near, b.near, { limit: 70_000, idleMs: 2_000 });
    b.near.end();
    assert.equal(result.status, 'limit');
    assert.equal(result.bytes, 70_000);
    assert.ok((await head).equals(payload.subarray(0, 70_000)));
    const rest = received(a.near, 130_000);
    a.near.resume();
    assert.ok((await rest).equals(payload.subarray(70_000)));
  });

  test('the signal aborts a running relay; an idle source times out', async () => {
    const a = await pairs.pair();
    const b = await pairs.pair();
    const arrived = received(b.far, 1_000);
    a.far.write(randomBytes(1_000));
    const controller = new AbortController();
    const running = relay!(a.near, b.near, { limit: null, idleMs: 10_000, signal: controller.signal });
    await arrived;
    controller.abort();
    const aborted = await running;
    assert.deepEqual([aborted.status, aborted.bytes], ['aborted', 1_000]);

    const c = await pairs.pair();
    const d = await pairs.pair();
    c.far.write(randomBytes(10));
    const idle = await relay!(c.near, d.near, { limit: null, idleMs: 100 });
    assert.deepEqual([idle.status, idle.bytes], ['timeout', 10]);
  });

  test('declined before its first byte: not started, and every byte still in the source', async () => {
    const a = await pairs.pair();
    const b = await pairs.pair();
    const payload = randomBytes(5_000);
    a.far.write(payload);
    let asked = 0;
    const decline = async (): Promise<boolean> => {
      asked++;
      return false;
    };
    const result = await relay!(a.near, b.near, { limit: null, idleMs: 2_000, beforeFirstByte: decline });
    assert.equal(asked, 1);
    assert.deepEqual(result, { status: 'not-started', bytes: 0, bytesIn: 0, errno: 0 });
    const all = received(a.near, payload.length);
    a.near.resume();
    assert.ok((await all).equals(payload));
  });

  test('sockets it may not use: not started, no thread', async () => {
    const a = await pairs.pair();
    const b = await pairs.pair();
    b.near.destroy();
    assert.equal((await relay!(a.near, b.near, { limit: null, idleMs: 100 })).status, 'not-started');
    const c = await pairs.pair();
    const d = await pairs.pair();
    c.far.write('x');
    c.near.resume();
    await once(c.near, 'data');
    c.near.pause();
    // Node read from it: what it read ahead could be before the relay's bytes.
    c.far.write('y');
    await new Promise((r) => setTimeout(r, 20));
    c.near.unshift(Buffer.from('x'));
    assert.equal((await relay!(c.near, d.near, { limit: null, idleMs: 100 })).status, 'not-started');
  });

  test('the self-test passes: the process relay is on once checked', async () => {
    const sw = new RelaySwitch(loadNativeRelay);
    assert.deepEqual(await sw.check(), { enabled: true, reason: null });
    assert.equal(sw.enabled, true);
  });
});

/** A stub addon; `behave` decides what its thread "did". */
function stub(
  behave: (
    onEvent: (kind: number, status: number, bytes: number, errno: number, bytesIn: number) => void,
    state: { final: [number, number, number, number] },
  ) => void,
  abi = RELAY_ABI,
): RelayAddon {
  return {
    abi,
    start(_src, _dst, _limit, _idle, onEvent) {
      const state = { final: [0, 0, 0, 0] as [number, number, number, number] };
      setImmediate(() => behave(onEvent, state));
      return state;
    },
    go() {},
    abort() {},
    bytes(handle) {
      return (handle as { final: [number, number, number, number] }).final;
    },
  };
}

describe('relay() settles and the self-test switches it off when the addon misbehaves', () => {
  const pairs = new Pairs();
  before(() => pairs.start());
  after(() => pairs.close());

  test('a DONE event that never comes: the final status read by the poll settles the promise', async () => {
    const relay = createRelay(
      stub((_onEvent, state) => {
        state.final = [5, 5, 1, 0];
      }),
    );
    const a = await pairs.pair();
    const b = await pairs.pair();
    assert.deepEqual(await relay(a.near, b.near, { limit: null, idleMs: 100 }), { status: 'eof', bytes: 5, bytesIn: 5, errno: 0 });
  });

  const broken: Array<[string, RelayAddon, RegExp]> = [
    [
      'says it moved every byte but moved none',
      stub((onEvent) => {
        onEvent(1, 0, 0, 0, 0);
        setTimeout(() => onEvent(2, 1, 16 * 1024, 0, 16 * 1024), 10);
      }),
      /differ from those sent/,
    ],
    ['never ends', stub(() => undefined), /did not finish within 300 ms/],
    [
      'cannot start a relay',
      {
        ...stub(() => undefined),
        start() {
          throw new Error('EMFILE');
        },
      },
      /not-started/,
    ],
    ['is a stale build', stub(() => undefined, 1), /stale build/],
  ];
  for (const [what, addon, reason] of broken) {
    test(`an addon that ${what}: off, with the reason, and relay() only ever says not-started`, async () => {
      const sw = new RelaySwitch(() => addon, { deadlineMs: 300 });
      const check = await sw.check();
      assert.equal(check.enabled, false);
      assert.match(check.reason ?? '', reason);
      assert.equal(sw.enabled, false);
      const a = await pairs.pair();
      const b = await pairs.pair();
      a.far.write('data');
      assert.equal((await sw.relay(a.near, b.near, { limit: null, idleMs: 100 })).status, 'not-started');
    });
  }
});
