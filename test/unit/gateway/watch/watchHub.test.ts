// The process's pollers on mock timers: one per folder and pool, a stopped
// one kept (state and history) for retainMs so that a caller reconnecting
// with Last-Event-ID resumes; forgotten after that, or sooner when too many
// are kept. The pool and session are fakes: the hub only borrows a session
// per poll and lists the folder with it.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { FtpEntry } from '../../../../src/ftp/index.js';
import type { WatchEvent, WatchSubscriber } from '../../../../src/gateway/watch/folderPoller.js';
import { compileGlob } from '../../../../src/gateway/watch/glob.js';
import { WatchHub, type WatchTarget } from '../../../../src/gateway/watch/watchHub.js';

const POLL_MS = 1_000;

function fakeServer() {
  const folders = new Map<string, string[]>();
  const listed: string[] = [];
  const session = {
    list: async (path: string): Promise<FtpEntry[]> => {
      listed.push(path);
      return (folders.get(path) ?? []).map((name) => ({ name, type: 'file' as const, size: 1, modifiedAt: new Date(0) }));
    },
  };
  const pool = { use: (fn: (s: typeof session) => Promise<unknown>) => fn(session) };
  const handle = { name: 'default', config: { watch: { pollMs: POLL_MS }, mode: 'passive' }, rootPath: () => '/' };
  const target = (folder: string): WatchTarget => ({ handle: handle as never, pool: pool as never, scope: 'default', segments: [folder] });
  return { folders, listed, target };
}

function subscriber(events: WatchEvent[]): WatchSubscriber {
  return { matches: compileGlob('*'), stableMs: 60_000, onEvent: (e) => events.push(e), onFailure: () => undefined };
}

async function tick(t: TestContext, ms: number): Promise<void> {
  t.mock.timers.tick(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('WatchHub', () => {
  test('one poller per folder: two subscribers, one listing per poll', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const server = fakeServer();
    const hub = new WatchHub({ logger: pino({ level: 'silent' }), maxEntries: 1000 });
    hub.subscribe(server.target('a'), subscriber([]), { initial: false });
    hub.subscribe(server.target('a'), subscriber([]), { initial: false });
    hub.subscribe(server.target('b'), subscriber([]), { initial: false });
    await tick(t, 0);
    await tick(t, POLL_MS);
    assert.deepEqual(server.listed.sort(), ['/a', '/a', '/b', '/b']);
    assert.equal(hub.running(), 2);
    hub.close();
  });

  test("versions(): the running poller's record of its folder, for claims in the same scope; none once it stops", async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const server = fakeServer();
    server.folders.set('/a', ['x']);
    const hub = new WatchHub({ logger: pino({ level: 'silent' }), maxEntries: 1000, retainMs: 60_000 });
    const off = hub.subscribe(server.target('a'), subscriber([]), { initial: false });
    await tick(t, 0);
    const versions = hub.versions('default', ['a']);
    assert.ok(versions);
    assert.equal(hub.versions('other', ['a']), undefined, "another account's view of the server");
    assert.equal(hub.versions('default', ['b']), undefined);
    // What a claim request observes there is what the poller's stability rule reads: x was seen at 0, 5 s ago.
    await tick(t, 5_000);
    assert.equal(versions.observe([{ name: 'x', type: 'file', size: 1, modifiedAt: new Date(0) }], Date.now()).get('x'), 5_000);
    off();
    assert.equal(hub.versions('default', ['a']), undefined, 'kept for resuming, but not watching: claims keep their own memory');
    hub.close();
  });

  test('a stopped poller is kept for retainMs: a reconnect resumes (same ids); later it starts over', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const server = fakeServer();
    const hub = new WatchHub({ logger: pino({ level: 'silent' }), maxEntries: 1000, retainMs: 60_000 });
    const first: WatchEvent[] = [];
    const off = hub.subscribe(server.target('a'), subscriber(first), { initial: false });
    await tick(t, 0);
    server.folders.set('/a', ['x']);
    await tick(t, POLL_MS);
    assert.equal(first[0]?.kind, 'created');
    off();
    assert.equal(hub.running(), 0, 'stopped with its last subscriber');
    const polls = server.listed.length;
    await tick(t, 10 * POLL_MS);
    assert.equal(server.listed.length, polls, 'no listing while nobody watches');

    server.folders.set('/a', ['x', 'y']);
    const resumed: WatchEvent[] = [];
    const offResumed = hub.subscribe(server.target('a'), subscriber(resumed), { initial: false, lastEventId: first[0]?.id as string });
    await tick(t, 0);
    assert.deepEqual(
      resumed.map((e) => `${e.kind}:${e.entry.name}`),
      ['created:y'],
      'what changed while away, from the kept listing; nothing repeated',
    );
    offResumed();
    await tick(t, 60_001);
    const fresh: WatchEvent[] = [];
    hub.subscribe(server.target('a'), subscriber(fresh), { initial: false, lastEventId: resumed[0]?.id as string });
    await tick(t, 0);
    assert.deepEqual(fresh.map((e) => `${e.kind}:${e.entry.name}`).sort(), ['existing:x', 'existing:y'], 'forgotten: initial semantics');
    hub.close();
  });

  test('at most maxRetained stopped pollers are kept: the one kept longest goes first', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const server = fakeServer();
    const hub = new WatchHub({ logger: pino({ level: 'silent' }), maxEntries: 1000, maxRetained: 1 });
    const ids: string[] = [];
    for (const folder of ['a', 'b']) {
      server.folders.set(`/${folder}`, []);
      const events: WatchEvent[] = [];
      const off = hub.subscribe(server.target(folder), subscriber(events), { initial: false });
      await tick(t, 0);
      server.folders.set(`/${folder}`, ['n']);
      await tick(t, POLL_MS);
      ids.push(events[0]?.id as string);
      off();
    }
    const a: WatchEvent[] = [];
    const b: WatchEvent[] = [];
    hub.subscribe(server.target('a'), subscriber(a), { initial: false, lastEventId: ids[0] as string });
    hub.subscribe(server.target('b'), subscriber(b), { initial: false, lastEventId: ids[1] as string });
    await tick(t, 0);
    assert.deepEqual(
      a.map((e) => e.kind),
      ['existing'],
      'a was dropped to keep b',
    );
    assert.deepEqual(b, [], 'b resumed: nothing new');
    hub.close();
  });
});
