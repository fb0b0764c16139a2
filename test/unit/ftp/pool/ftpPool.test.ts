import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FtpError, replyError } from '../../../../src/ftp/errors.js';
import type { FtpSession, FtpStat, FtpTransferResult } from '../../../../src/ftp/types.js';
import { FtpPool, type FtpPoolOptions } from '../../../../src/ftp/pool/ftpPool.js';

// ---------------------------------------------------------------------------
// Fakes: a session whose NOOP can succeed, fail or hang, and a "server" that
// hands them out and counts how many are open or connecting at once.

let nextId = 1;

class FakeSession implements FtpSession {
  readonly id = nextId++;
  usable = true;
  bytesSinceReset = 0;
  lastActivity = Date.now();
  readonly features = new Map<string, string>();
  noopBehaviour: 'ok' | 'fail' | 'hang' = 'ok';
  quitBehaviour: 'ok' | 'hang' = 'ok';
  noopCalls = 0;
  quitCalls = 0;
  destroyCalls = 0;
  resetCalls = 0;
  readonly #hung: Array<(err: Error) => void> = [];
  readonly #onClose: () => void;
  #closed = false;

  constructor(onClose: () => void) {
    this.#onClose = onClose;
  }

  resetCounters(): void {
    this.resetCalls++;
    this.bytesSinceReset = 0;
  }

  async noop(): Promise<void> {
    this.noopCalls++;
    if (this.noopBehaviour === 'fail') {
      this.usable = false;
      throw new FtpError('closed', { code: 'FTP_CONNECTION_CLOSED' });
    }
    if (this.noopBehaviour === 'hang') await new Promise<void>((_, reject) => this.#hung.push(reject));
    this.lastActivity = Date.now();
  }

  async quit(): Promise<void> {
    this.quitCalls++;
    if (this.quitBehaviour === 'hang') await new Promise<void>(() => undefined);
    this.#close();
  }

  destroy(): void {
    this.destroyCalls++;
    this.#close();
  }

  #close(): void {
    this.usable = false;
    for (const reject of this.#hung.splice(0)) {
      reject(new FtpError('destroyed', { code: 'FTP_CONNECTION_CLOSED' }));
    }
    if (!this.#closed) {
      this.#closed = true;
      this.#onClose();
    }
  }

  pwd(): Promise<string> {
    return unused();
  }
  cwd(): Promise<void> {
    return unused();
  }
  size(): Promise<number | null> {
    return unused();
  }
  modifiedAt(): Promise<Date | null> {
    return unused();
  }
  stat(): Promise<FtpStat | null> {
    return unused();
  }
  list(): Promise<never[]> {
    return unused();
  }
  streamList(): Promise<void> {
    return unused();
  }
  nlst(): Promise<string[]> {
    return unused();
  }
  download(): Promise<FtpTransferResult> {
    return unused();
  }
  statAndDownload(): Promise<FtpTransferResult | null> {
    return unused();
  }
  upload(): Promise<FtpTransferResult> {
    return unused();
  }
  delete(): Promise<void> {
    return unused();
  }
  mkdir(): Promise<void> {
    return unused();
  }
  rmdir(): Promise<void> {
    return unused();
  }
  rename(): Promise<void> {
    return unused();
  }
}

async function unused(): Promise<never> {
  throw new Error('not used by the pool');
}

/** What the Nth create (1-based) does. */
type CreatePlan = (n: number) => 'ok' | 'hang' | Error;

class FakeServer {
  readonly sessions: FakeSession[] = [];
  readonly signals: AbortSignal[] = [];
  createCalls = 0;
  connecting = 0;
  open = 0;
  /** Max of (open + connecting) ever seen. */
  peak = 0;
  /** Max connecting at once ever seen. */
  peakConnecting = 0;
  /** Connects started while another was in flight, after the first capacity refusal. */
  overlapsAfterRefusal = 0;
  #refused = false;
  plan: CreatePlan = () => 'ok';
  delayMs = 0;

  readonly create = async (signal: AbortSignal): Promise<FtpSession> => {
    const n = ++this.createCalls;
    this.signals.push(signal);
    if (this.#refused && this.connecting > 0) this.overlapsAfterRefusal++;
    this.connecting++;
    this.peak = Math.max(this.peak, this.open + this.connecting);
    this.peakConnecting = Math.max(this.peakConnecting, this.connecting);
    try {
      if (this.delayMs > 0) await delay(this.delayMs);
      const step = this.plan(n);
      if (step === 'hang') {
        await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      }
      if (step instanceof Error) {
        if (step instanceof FtpError && step.ftpCode === 421) this.#refused = true;
        throw step;
      }
      const session = new FakeSession(() => this.open--);
      this.open++;
      this.sessions.push(session);
      return session;
    } finally {
      this.connecting--;
    }
  };
}

function makePool(t: TestContext, server: FakeServer, options: Partial<FtpPoolOptions> = {}): FtpPool {
  const pool = new FtpPool({ name: 'test', create: server.create, max: 2, acquireTimeoutMs: 2_000, ...options });
  t.after(async () => {
    // Closing needs no timer; the real clock bounds it.
    t.mock.timers.reset();
    const closed = await Promise.race([pool.close().then(() => true), sleep(2_000, false)]);
    if (!closed) assert.fail('pool did not close: a lease was never released');
  });
  return pool;
}

/** Like setTimeout from timers/promises, but on the global timer that mock.timers replaces on every Node line. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A fake clock for one test: the pool's timers and Date.now() move only
 * through `advance`/`advanceUntil`, so deadlines, retries, cooldowns and the
 * reaper are exact and cost no wall time.
 */
function fakeClock(t: TestContext): void {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
}

/** Let every promise chain run that needs no timer. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const STEP_MS = 5;

/** Move the fake clock by `ms`, in small steps, letting promise chains run between them. */
async function advance(t: TestContext, ms: number): Promise<void> {
  await settle();
  for (let elapsed = 0; elapsed < ms; elapsed += STEP_MS) {
    t.mock.timers.tick(Math.min(STEP_MS, ms - elapsed));
    await settle();
  }
}

/** Await `promise` while the fake clock runs; fail after `withinMs` of fake time. */
async function withClock<T>(t: TestContext, promise: Promise<T>, withinMs = 3_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  await advanceUntil(t, 'the promise to settle', () => done, withinMs);
  return tracked;
}

/** Move the fake clock until `predicate` holds; fail after `withinMs` of fake time. */
async function advanceUntil(t: TestContext, what: string, predicate: () => boolean, withinMs = 3_000): Promise<void> {
  await settle();
  for (let elapsed = 0; !predicate(); elapsed += STEP_MS) {
    if (elapsed > withinMs) assert.fail(`timed out waiting for: ${what}`);
    t.mock.timers.tick(STEP_MS);
    await settle();
  }
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await sleep(5);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return assert.fail('expected a rejection');
}

async function ftpRejection(promise: Promise<unknown>, code: string): Promise<FtpError> {
  const err = await rejection(promise);
  assert.ok(err instanceof FtpError, `expected an FtpError, got ${String(err)}`);
  assert.equal(err.code, code);
  return err;
}

/** What a session whose connection closed is: no longer usable (FtpClient.usable). */
const dead = (session: FtpSession): void => {
  (session as FakeSession).usable = false;
};
/** The error of a closed connection; given the session it closed, that session is no longer usable. */
const connectionClosed = (session?: FtpSession): FtpError => {
  if (session) dead(session);
  return new FtpError('connection closed', { code: 'FTP_CONNECTION_CLOSED' });
};
const tooManyUsers = (): FtpError => replyError('USER', 421, 'There are too many connected users, please try later.');

// ---------------------------------------------------------------------------

describe('FtpPool: queueing and limits', () => {
  it('serves waiters first come, first served', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { max: 1 });
    const held = await pool.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((i) =>
      pool.acquire().then((lease) => {
        order.push(i);
        return lease;
      }),
    );
    await waitFor('three waiters', () => pool.stats().waiting === 3);
    held.release();
    for (const waiter of waiters) (await waiter).release();
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(server.createCalls, 1);
  });

  it('never has more than max sessions open or connecting', async (t) => {
    const server = new FakeServer();
    server.delayMs = 10;
    const pool = makePool(t, server, { max: 3 });
    const ids = await Promise.all(
      Array.from({ length: 12 }, () =>
        pool.use(async (session) => {
          await sleep(5);
          return session.id;
        }),
      ),
    );
    assert.equal(ids.length, 12);
    assert.ok(server.peak <= 3, `peak ${server.peak}`);
    assert.equal(server.createCalls, 3);
    assert.equal(pool.stats().idle, 3);
  });

  it('opens min sessions up front and keeps them when idle ones are evicted', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    const pool = makePool(t, server, { min: 2, max: 4, idleTimeoutMs: 20 });
    await advanceUntil(t, 'two warm sessions', () => pool.stats().idle === 2);
    assert.equal(server.createCalls, 2);

    const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()]);
    // The pre-opened sessions may have gone stale: they are not "fresh".
    assert.deepEqual(leases.map((l) => l.fresh).sort(), [false, false, true, true]);
    for (const lease of leases) lease.release();

    await advanceUntil(t, 'back to min', () => pool.stats().size === 2);
    await advance(t, 60);
    assert.equal(pool.stats().size, 2);
    assert.equal(server.open, 2);
    const quits = server.sessions.reduce((n, s) => n + s.quitCalls, 0);
    const destroys = server.sessions.reduce((n, s) => n + s.destroyCalls, 0);
    assert.equal(quits, 2);
    assert.equal(destroys, 0);
  });

  it('closes idle sessions above min with QUIT after idleTimeoutMs', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    const pool = makePool(t, server, { idleTimeoutMs: 30 });
    const lease = await pool.acquire();
    lease.release();
    assert.equal(pool.stats().idle, 1);
    await advanceUntil(t, 'idle session closed', () => pool.stats().size === 0);
    assert.equal(server.sessions[0]?.quitCalls, 1);
    assert.equal(server.sessions[0]?.destroyCalls, 0);
  });

  it('reports its state through stats()', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { max: 2 });
    const lease = await pool.acquire();
    assert.deepEqual(pool.stats(), {
      max: 2,
      effectiveMax: 2,
      size: 1,
      idle: 0,
      busy: 1,
      waiting: 0,
      pendingCreates: 0,
    });
    lease.release();
    assert.deepEqual(pool.stats(), {
      max: 2,
      effectiveMax: 2,
      size: 1,
      idle: 1,
      busy: 0,
      waiting: 0,
      pendingCreates: 0,
    });
  });

  it('rejects bad options', () => {
    const server = new FakeServer();
    assert.throws(() => new FtpPool({ name: 'x', create: server.create, max: 0 }), RangeError);
    assert.throws(() => new FtpPool({ name: 'x', create: server.create, max: 1, min: 2 }), RangeError);
    assert.throws(() => new FtpPool({ name: 'x', create: server.create, max: 1, acquireTimeoutMs: 0 }), RangeError);
  });
});

describe('FtpPool: queue order and the reaper', () => {
  it('hands sessions to waiters in arrival order, whichever connect finishes first', async (t) => {
    const server = new FakeServer();
    // The first waiter's connect hangs; the second waiter's succeeds.
    server.plan = (n) => (n === 1 ? 'hang' : 'ok');
    const pool = makePool(t, server, { max: 2 });
    const order: number[] = [];
    const waiters = [1, 2].map((i) =>
      pool.acquire().then((lease) => {
        order.push(i);
        return lease;
      }),
    );
    const first = await waiters[0];
    assert.deepEqual(order, [1]);
    assert.equal(first?.session, server.sessions[0]);
    assert.equal(pool.stats().waiting, 1);
    first?.release();
    (await waiters[1])?.release();
    assert.deepEqual(order, [1, 2]);
  });

  it('a waiter that gives up leaves the queue; the ones behind keep their order', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { max: 1 });
    const held = await pool.acquire();
    const controllers = [1, 2, 3].map(() => new AbortController());
    const order: number[] = [];
    const waiters = controllers.map((c, i) =>
      pool.acquire(c.signal).then((lease) => {
        order.push(i + 1);
        return lease;
      }),
    );
    assert.equal(pool.stats().waiting, 3);
    controllers[1]?.abort();
    await ftpRejection(waiters[1] as Promise<unknown>, 'FTP_ABORTED');
    assert.equal(pool.stats().waiting, 2);
    held.release();
    (await waiters[0])?.release();
    (await waiters[2])?.release();
    assert.deepEqual(order, [1, 3]);
    assert.equal(server.createCalls, 1);
    assert.equal(pool.stats().idle, 1);
  });

  it('lends the most recently released idle session first', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { max: 3 });
    const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    assert.ok(a && b && c);
    for (const lease of [a, c, b]) lease.release();
    const reused = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    assert.deepEqual(
      reused.map((l) => l.session),
      [b.session, c.session, a.session],
    );
    for (const lease of reused) lease.release();
    assert.equal(server.createCalls, 3);
  });

  it('the reaper closes the least recently used sessions first, down to min, and opens none', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    const pool = makePool(t, server, { min: 1, max: 3, idleTimeoutMs: 100 });
    await advanceUntil(t, 'the min session', () => pool.stats().idle === 1);
    const [a, b, c] = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    assert.ok(a && b && c);
    const session = (lease: typeof a): FakeSession => lease.session as FakeSession;
    a.release();
    await advance(t, 30);
    b.release();
    await advance(t, 30);
    c.release();
    await advanceUntil(t, 'the oldest idle session closed', () => session(a).quitCalls === 1);
    assert.equal(session(b).quitCalls, 0);
    assert.equal(session(c).quitCalls, 0);
    await advanceUntil(t, 'down to min', () => pool.stats().size === 1);
    assert.equal(session(b).quitCalls, 1);
    await advance(t, 1_000);
    assert.equal(pool.stats().size, 1);
    assert.equal(session(c).quitCalls, 0);
    assert.equal(server.createCalls, 3);
    const again = await pool.acquire();
    assert.equal(again.session, c.session);
    again.release();
  });

  it('the reaper counts leased sessions toward min', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    const pool = makePool(t, server, { min: 2, max: 3, idleTimeoutMs: 100 });
    const leases = await withClock(t, Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]));
    leases[0]?.release();
    leases[1]?.release();
    await advanceUntil(t, 'one idle session closed', () => pool.stats().size === 2);
    await advance(t, 1_000);
    assert.deepEqual([pool.stats().idle, pool.stats().busy], [1, 1]);
    assert.equal(server.createCalls, 3);
    leases[2]?.release();
  });
});

describe('FtpPool: acquire deadline and abort', () => {
  it('aborts a connect that outlives the acquire deadline', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    server.plan = () => 'hang';
    const pool = makePool(t, server, { acquireTimeoutMs: 40 });
    await withClock(t, ftpRejection(pool.acquire(), 'FTP_POOL_TIMEOUT'));
    await advanceUntil(t, 'connect aborted', () => server.signals[0]?.aborted === true);
    await advanceUntil(t, 'no connect pending', () => pool.stats().pendingCreates === 0);
  });

  it('fails a waiting acquire with FTP_POOL_TIMEOUT when no session frees up', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    const pool = makePool(t, server, { max: 1, acquireTimeoutMs: 40 });
    const held = await pool.acquire();
    const err = await withClock(t, ftpRejection(pool.acquire(), 'FTP_POOL_TIMEOUT'));
    assert.equal(err.category, 'unavailable');
    assert.equal(pool.stats().waiting, 0);
    held.release();
    assert.equal(pool.stats().idle, 1);
  });

  it("the caller's signal aborts a waiting acquire and takes it out of the queue", async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    await waitFor('queued', () => pool.stats().waiting === 1);
    controller.abort();
    const err = await ftpRejection(waiting, 'FTP_ABORTED');
    assert.equal(err.category, 'aborted');
    assert.equal(pool.stats().waiting, 0);
    held.release();
    // Nobody took the released session.
    assert.equal(pool.stats().idle, 1);
    assert.equal(pool.stats().busy, 0);
  });

  it('an already aborted signal fails at once without connecting', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    await ftpRejection(pool.acquire(AbortSignal.abort()), 'FTP_ABORTED');
    assert.equal(server.createCalls, 0);
  });
});

describe('FtpPool: checking sessions before lending', () => {
  it('NOOPs a session idle for validateAfterIdleMs, not one used just now', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { validateAfterIdleMs: 1_000 });
    const first = await pool.acquire();
    const session = first.session as FakeSession;
    first.release();

    (await pool.acquire()).release();
    assert.equal(session.noopCalls, 0);

    session.lastActivity = Date.now() - 5_000;
    const again = await pool.acquire();
    assert.equal(again.session, session);
    assert.equal(session.noopCalls, 1);
    again.release();
  });

  it('replaces a session whose NOOP fails, within the same acquire', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { validateAfterIdleMs: 1_000 });
    const first = await pool.acquire();
    const stale = first.session as FakeSession;
    first.release();
    stale.lastActivity = Date.now() - 5_000;
    stale.noopBehaviour = 'fail';

    const lease = await pool.acquire();
    assert.notEqual(lease.session, stale);
    assert.equal(lease.fresh, true);
    assert.equal(stale.destroyCalls, 1);
    assert.equal(stale.quitCalls, 0);
    assert.equal(pool.stats().size, 1);
    lease.release();
  });

  it('a NOOP that hangs counts against the acquire deadline and the session is destroyed', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    const pool = makePool(t, server, { validateAfterIdleMs: 1_000, acquireTimeoutMs: 60 });
    const first = await pool.acquire();
    const stale = first.session as FakeSession;
    first.release();
    stale.lastActivity = Date.now() - 5_000;
    stale.noopBehaviour = 'hang';

    await withClock(t, ftpRejection(pool.acquire(), 'FTP_POOL_TIMEOUT'));
    await advanceUntil(t, 'stale session destroyed', () => stale.destroyCalls === 1);
    assert.equal(stale.quitCalls, 0);
  });

  it('does not lend a session that became unusable while idle', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    const first = await pool.acquire();
    const dead = first.session as FakeSession;
    first.release();
    dead.usable = false;

    const lease = await pool.acquire();
    assert.notEqual(lease.session, dead);
    assert.equal(dead.destroyCalls, 1);
    lease.release();
  });

  it('destroys a session that is unusable when released', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    const lease = await pool.acquire();
    const session = lease.session as FakeSession;
    session.usable = false;
    lease.release();
    assert.equal(session.destroyCalls, 1);
    assert.equal(session.quitCalls, 0);
    assert.equal(pool.stats().size, 0);
    const next = await pool.acquire();
    assert.notEqual(next.session, session);
    next.release();
  });

  it('release() and destroy() are idempotent', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    const lease = await pool.acquire();
    lease.release();
    lease.release();
    lease.destroy();
    assert.equal(pool.stats().idle, 1);
    assert.equal(server.sessions[0]?.destroyCalls, 0);

    const second = await pool.acquire();
    second.destroy();
    second.destroy();
    second.release();
    assert.equal(server.sessions[0]?.destroyCalls, 1);
    assert.equal(pool.stats().size, 0);
  });

  it('resets the session counters when lending', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    const lease = await pool.acquire();
    const session = lease.session as FakeSession;
    session.bytesSinceReset = 1234;
    lease.release();
    const again = await pool.acquire();
    assert.equal(again.session, session);
    assert.equal(session.bytesSinceReset, 0);
    assert.equal(session.resetCalls, 2);
    again.release();
  });
});

describe('FtpPool.use', () => {
  it('returns the result and releases the session', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    const id = await pool.use(async (session) => session.id);
    assert.equal(id, server.sessions[0]?.id);
    assert.equal(pool.stats().idle, 1);
  });

  it('keeps the session after a reply error', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    const failure = replyError('DELE', 550, 'No such file or directory');
    const err = await rejection(
      pool.use(async () => {
        throw failure;
      }),
    );
    assert.equal(err, failure);
    assert.equal(pool.stats().idle, 1);
    assert.equal(server.sessions[0]?.destroyCalls, 0);
  });

  it("the session's own usable decides, not the error: destroyed once it is not usable, kept while it is", async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    // A session whose command timed out has destroyed itself (FtpControl), as this one says.
    const timeout = new FtpError('slow', { code: 'FTP_TIMEOUT' });
    assert.equal(
      await rejection(
        pool.use(async (session) => {
          (session as FakeSession).usable = false;
          throw timeout;
        }),
      ),
      timeout,
    );
    // Errors after which a session is in step (it ABORed a transfer, or the
    // caller's own error between commands): the same new session each time.
    for (const failure of [
      replyError('RETR', 550, 'x'),
      new FtpError('data idle', { code: 'FTP_TIMEOUT' }),
      new Error('a 404 of the route'),
    ]) {
      assert.equal(
        await rejection(
          pool.use(async () => {
            throw failure;
          }),
        ),
        failure,
      );
    }
    assert.deepEqual(
      server.sessions.map((s) => s.destroyCalls),
      [1, 0],
    );
    assert.equal(pool.stats().idle, 1);
  });

  it('retries once on another session when a reused one was dead before any byte moved', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    await pool.use(async () => undefined); // the next lease reuses this session
    const seen: number[] = [];
    const result = await pool.use(async (session, lease) => {
      seen.push(session.id);
      if (seen.length === 1) {
        assert.equal(lease.fresh, false);
        throw connectionClosed(session);
      }
      return 'ok';
    });
    assert.equal(result, 'ok');
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0], seen[1]);
    assert.equal(server.sessions[0]?.destroyCalls, 1);
  });

  it('treats a 421 reply as a dead connection: destroys it and retries', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server);
    await pool.use(async () => undefined);
    let calls = 0;
    const result = await pool.use(async (session) => {
      calls++;
      // FtpControl closes the session on a 421 wherever it comes.
      if (calls === 1) {
        dead(session);
        throw replyError('LIST', 421, 'Timeout.');
      }
      return calls;
    });
    assert.equal(result, 2);
    assert.equal(server.sessions[0]?.destroyCalls, 1);
  });

  it('does not retry a fresh session, after data moved, with retry: false, or for other errors', async (t) => {
    const cases: Array<{
      name: string;
      warm: boolean;
      retry?: boolean;
      bytes: number;
      error: () => Error;
    }> = [
      { name: 'fresh', warm: false, bytes: 0, error: connectionClosed },
      { name: 'bytes moved', warm: true, bytes: 10, error: connectionClosed },
      { name: 'retry: false', warm: true, retry: false, bytes: 0, error: connectionClosed },
      { name: 'not a dead connection', warm: true, bytes: 0, error: () => replyError('RETR', 550, 'x') },
    ];
    for (const c of cases) {
      const server = new FakeServer();
      const pool = makePool(t, server);
      if (c.warm) await pool.use(async () => undefined);
      let calls = 0;
      const failure = c.error();
      const err = await rejection(
        pool.use(
          async (session) => {
            calls++;
            (session as FakeSession).bytesSinceReset = c.bytes;
            if (failure instanceof FtpError && failure.code === 'FTP_CONNECTION_CLOSED') dead(session);
            throw failure;
          },
          c.retry === undefined ? {} : { retry: c.retry },
        ),
      );
      assert.equal(err, failure, c.name);
      assert.equal(calls, 1, c.name);
    }
  });

  it('retries only once', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { max: 2 });
    // Two reused sessions, so the retry's lease is not fresh either.
    const a = await pool.acquire();
    const b = await pool.acquire();
    a.release();
    b.release();
    let calls = 0;
    await ftpRejection(
      pool.use(async (session) => {
        calls++;
        throw connectionClosed(session);
      }),
      'FTP_CONNECTION_CLOSED',
    );
    assert.equal(calls, 2);
    assert.equal(server.createCalls, 2);
  });
});

describe('FtpPool: server capacity (421 / 530 too many)', () => {
  it('a refused connect makes the acquire wait for a release instead of failing', async (t) => {
    const server = new FakeServer();
    server.plan = (n) => (n === 1 ? 'ok' : tooManyUsers());
    const pool = makePool(t, server, { max: 3, acquireTimeoutMs: 3_000 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    await waitFor('capacity state', () => pool.stats().effectiveMax === 1);
    assert.equal(pool.stats().waiting, 1);
    held.release();
    const lease = await waiting;
    assert.equal(lease.session, held.session);
    lease.release();
  });

  it('does not try to connect while the sessions open reach the reduced limit', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    server.plan = (n) => (n <= 2 ? 'ok' : tooManyUsers());
    const pool = makePool(t, server, { max: 4, acquireTimeoutMs: 3_000 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    const waiters = [pool.acquire(), pool.acquire()];
    await advanceUntil(t, 'capacity state', () => pool.stats().effectiveMax === 2);
    const callsAtRefusal = server.createCalls;
    // Longer than the pool's create retry interval (250 ms).
    await advance(t, 400);
    assert.equal(server.createCalls, callsAtRefusal);
    assert.equal(pool.stats().waiting, 2);
    a.release();
    b.release();
    for (const waiter of waiters) (await waiter).release();
    assert.equal(pool.stats().size, 2);
  });

  it('probes one connect at a time until the server lets it in, then restores max', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    server.plan = (n) => (n <= 2 ? tooManyUsers() : 'ok');
    server.delayMs = 5;
    const pool = makePool(t, server, { max: 3, acquireTimeoutMs: 3_000, capacityCooldownMs: 100 });
    const lease = await withClock(t, pool.acquire());
    assert.equal(server.createCalls, 3);
    assert.equal(server.peakConnecting, 1);
    lease.release();
    await advanceUntil(t, 'max restored', () => pool.stats().effectiveMax === 3);
  });

  it('keeps every waiter queued until the deadline, probing one connect at a time', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    server.plan = () => tooManyUsers();
    server.delayMs = 20;
    const pool = makePool(t, server, { max: 3, acquireTimeoutMs: 700 });
    // Handlers attached now: the fake clock fails all three in one tick.
    const waiters = [pool.acquire(), pool.acquire(), pool.acquire()].map((w) => ftpRejection(w, 'FTP_POOL_TIMEOUT'));
    await advanceUntil(t, 'capacity state', () => pool.stats().effectiveMax === 1);
    for (const waiter of waiters) {
      const err = await withClock(t, waiter);
      assert.ok(err.cause instanceof FtpError);
      assert.equal(err.cause.ftpCode, 421);
    }
    assert.ok(server.createCalls > 3, `only ${server.createCalls} connects: it did not retry`);
    assert.equal(server.overlapsAfterRefusal, 0);
  });

  it('replaces sessions that die while limited one connect at a time', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    server.plan = (n) => (n === 4 ? tooManyUsers() : 'ok');
    const pool = makePool(t, server, { max: 4, capacityCooldownMs: 10_000 });
    const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    const waiters = [pool.acquire(), pool.acquire()];
    await advanceUntil(t, 'capacity state', () => pool.stats().effectiveMax === 3);
    // Let the pool's create retry after the refusal (250 ms) pass: only releases and destroys drive it now.
    await advance(t, 300);
    server.delayMs = 20;
    leases[0]?.destroy();
    leases[1]?.destroy();
    const replacements = await withClock(t, Promise.all(waiters));
    for (const lease of [...replacements, ...leases]) lease.release();
    assert.equal(server.overlapsAfterRefusal, 0);
    assert.equal(server.createCalls, 6);
  });

  it('reads a 530 that says the server is full as a capacity signal', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    server.plan = (n) =>
      n === 1 ? replyError('PASS', 530, 'Sorry, the maximum number of clients (3) from your host are already connected.') : 'ok';
    const pool = makePool(t, server, { max: 3, capacityCooldownMs: 10_000 });
    const lease = await withClock(t, pool.acquire());
    assert.equal(pool.stats().effectiveMax, 1);
    assert.equal(server.createCalls, 2);
    lease.release();
  });

  it('fails at once on other connect errors (bad login, refused connection)', async (t) => {
    const errors = [replyError('PASS', 530, 'Login incorrect.'), new FtpError('connect ECONNREFUSED', { code: 'FTP_CONNECT_FAILED' })];
    for (const failure of errors) {
      const server = new FakeServer();
      server.plan = () => failure;
      const pool = makePool(t, server, { acquireTimeoutMs: 10_000 });
      assert.equal(await rejection(pool.acquire()), failure);
      assert.equal(pool.stats().effectiveMax, 2);
      assert.equal(pool.stats().waiting, 0);
    }
  });
});

/** Wraps the global timers for the test: every timer started from now on, while live, and how many of those are ref'd. */
function trackTimers(t: TestContext): { live: Set<NodeJS.Timeout>; refd(): number } {
  const live = new Set<NodeJS.Timeout>();
  const track = (start: typeof setTimeout, once: boolean) =>
    ((callback: () => void, ms?: number) => {
      const timer: NodeJS.Timeout = start(() => {
        if (once) live.delete(timer);
        callback();
      }, ms);
      live.add(timer);
      return timer;
    }) as typeof setTimeout;
  const stopping = (original: (timer: NodeJS.Timeout) => void) => (timer: NodeJS.Timeout | undefined) => {
    if (timer) live.delete(timer);
    original(timer as NodeJS.Timeout);
  };
  t.mock.method(globalThis, 'setTimeout', track(setTimeout, true));
  t.mock.method(globalThis, 'setInterval', track(setInterval as typeof setTimeout, false));
  t.mock.method(globalThis, 'clearTimeout', stopping(clearTimeout));
  t.mock.method(globalThis, 'clearInterval', stopping(clearInterval));
  return { live, refd: () => [...live].filter((timer) => timer.hasRef()).length };
}

describe('FtpPool timers', () => {
  it("every timer the pool leaves running is unref'd; only a pending acquire's deadline is not", async (t) => {
    const { live, refd } = trackTimers(t);

    // An idle session: the reaper runs.
    const idle = makePool(t, new FakeServer(), { max: 1 });
    (await idle.acquire()).release();
    // A server that says it is full: the capacity cooldown and the create retry run.
    const fullServer = new FakeServer();
    fullServer.plan = () => tooManyUsers();
    const full = makePool(t, fullServer, { max: 2, capacityCooldownMs: 60_000 });
    const giveUp = new AbortController();
    const waiting = ftpRejection(full.acquire(giveUp.signal), 'FTP_ABORTED');
    await waitFor('capacity state', () => full.stats().effectiveMax === 1);
    // A caller waiting for a session has a pending promise: its deadline keeps the process up, like any I/O.
    assert.equal(refd(), 1);
    giveUp.abort();
    await waiting;
    assert.ok(live.size >= 2, `only ${live.size} timers live: the test saw no reaper or cooldown`);
    assert.equal(refd(), 0);
  });

  it('no pool timer keeps the process alive (idle pool, capacity cooldown open or closed)', async (t) => {
    // A ref'd timer is what would keep a process that is otherwise done alive.
    const { live, refd } = trackTimers(t);
    const session = {
      id: 1,
      usable: true,
      bytesSinceReset: 0,
      lastActivity: Date.now(),
      features: new Map(),
      resetCounters() {},
      async noop() {},
      async quit() {},
      destroy() {},
    } as unknown as FtpSession;
    const idle = new FtpPool({ name: 'idle', max: 1, create: async () => session });
    (await idle.acquire()).release();
    const full = replyError('USER', 421, 'Too many connections (2) from this IP');
    const cooling = {
      max: 1,
      acquireTimeoutMs: 50,
      capacityCooldownMs: 60_000,
      create: async (): Promise<FtpSession> => Promise.reject(full),
    };
    const refused = new FtpPool({ name: 'refused', ...cooling });
    await refused.acquire().catch(() => undefined);
    await refused.close();
    const refusedOpen = new FtpPool({ name: 'refused-open', ...cooling });
    await refusedOpen.acquire().catch(() => undefined);
    try {
      assert.ok(live.size >= 2, `only ${live.size} timers live: the test saw no reaper or cooldown`);
      assert.equal(refd(), 0);
    } finally {
      await Promise.all([idle.close(), refusedOpen.close()]);
    }
  });
});

describe('FtpPool.close', () => {
  it('QUITs idle sessions now, leased ones when released, and then resolves', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    const pool = makePool(t, server);
    const busy = await pool.acquire();
    const idle = await pool.acquire();
    idle.release();
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await advanceUntil(t, 'idle session quit', () => (idle.session as FakeSession).quitCalls === 1);
    await advance(t, 20);
    assert.equal(closed, false);
    assert.equal((busy.session as FakeSession).quitCalls, 0);
    await ftpRejection(pool.acquire(), 'FTP_POOL_CLOSED');

    busy.release();
    await closing;
    assert.equal((busy.session as FakeSession).quitCalls, 1);
    assert.equal(
      server.sessions.reduce((n, s) => n + s.destroyCalls, 0),
      0,
    );
    assert.equal(server.open, 0);
    assert.equal(pool.stats().size, 0);
  });

  it('fails waiting acquires with FTP_POOL_CLOSED and is idempotent', async (t) => {
    const server = new FakeServer();
    const pool = makePool(t, server, { max: 1 });
    const held = await pool.acquire();
    const waiting = pool.acquire();
    await waitFor('queued', () => pool.stats().waiting === 1);
    const closing = pool.close();
    assert.equal(pool.close(), closing);
    const err = await ftpRejection(waiting, 'FTP_POOL_CLOSED');
    assert.equal(err.category, 'unavailable');
    held.destroy();
    await closing;
    assert.equal((held.session as FakeSession).destroyCalls, 1);
  });

  it('cuts a QUIT that gets no answer short with destroy(), then resolves', async (t) => {
    fakeClock(t);
    const server = new FakeServer();
    const pool = makePool(t, server);
    const lease = await pool.acquire();
    const session = lease.session as FakeSession;
    session.quitBehaviour = 'hang';
    lease.release();
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await advance(t, 1_000);
    assert.equal(session.quitCalls, 1);
    assert.equal(closed, false);
    await advanceUntil(t, 'closed', () => closed, 10_000);
    assert.equal(session.destroyCalls, 1);
    assert.equal(server.open, 0);
    await closing;
  });

  it('aborts a connect in flight', async (t) => {
    const server = new FakeServer();
    server.plan = () => 'hang';
    const pool = makePool(t, server, { acquireTimeoutMs: 60_000 });
    const acquiring = pool.acquire();
    await waitFor('connecting', () => pool.stats().pendingCreates === 1);
    const closing = pool.close();
    const signal = server.signals[0];
    assert.equal(signal?.aborted, true);
    assert.ok(signal.reason instanceof FtpError);
    assert.equal(signal.reason.code, 'FTP_POOL_CLOSED');
    await ftpRejection(acquiring, 'FTP_POOL_CLOSED');
    await closing;
  });
});
