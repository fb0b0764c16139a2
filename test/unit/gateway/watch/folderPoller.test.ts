// The poller on node:test's mock timers (setTimeout and Date): polls every
// pollMs while it has subscribers, stops with the last, backs off after
// failures, stable after stableMs, Last-Event-ID from its history, existing
// events after the first listing. `list` is a fake folder.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FtpEntry } from '../../../../src/ftp/index.js';
import { FolderPoller, type WatchEvent, type WatchSubscriber } from '../../../../src/gateway/watch/folderPoller.js';
import { compileGlob } from '../../../../src/gateway/watch/glob.js';

const POLL_MS = 1_000;

function fakeFolder() {
  const files = new Map<string, number>();
  let failing = false;
  let polls = 0;
  return {
    files,
    get polls() {
      return polls;
    },
    fail(on: boolean) {
      failing = on;
    },
    list: async (): Promise<FtpEntry[]> => {
      polls++;
      if (failing) throw new Error('unreachable');
      return [...files].map(([name, size]) => ({ name, type: 'file' as const, size, modifiedAt: new Date(0) }));
    },
  };
}

function recorder(pattern = '*', stableMs = 5_000) {
  const seen: string[] = [];
  const events: WatchEvent[] = [];
  let ready = 0;
  const subscriber: WatchSubscriber = {
    matches: compileGlob(pattern),
    stableMs,
    onEvent: (e) => {
      events.push(e);
      seen.push(`${e.kind}:${e.entry.name}`);
    },
    onFailure: (f) => seen.push(`error:${f.code}:${f.retryInMs}`),
    onReady: () => ready++,
  };
  return {
    subscriber,
    seen,
    events,
    get ready() {
      return ready;
    },
  };
}

/** Advances the mock clock one step at a time, letting the fake listing's promise settle in between. */
async function tick(t: TestContext, ms: number): Promise<void> {
  t.mock.timers.tick(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function poller(folder: ReturnType<typeof fakeFolder>, extra: Partial<ConstructorParameters<typeof FolderPoller>[0]> = {}) {
  return new FolderPoller({ list: folder.list, pollMs: POLL_MS, classify: () => 'SERVER_UNAVAILABLE', ...extra });
}

describe('FolderPoller', () => {
  test('polls every pollMs while subscribed; the first subscriber starts it, the last stops it', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const folder = fakeFolder();
    let idle = 0;
    const p = poller(folder, { onIdle: () => idle++ });
    await tick(t, 10_000);
    assert.equal(folder.polls, 0, 'nothing before a subscriber');
    const a = recorder();
    const b = recorder();
    const offA = p.subscribe(a.subscriber, { initial: false });
    const offB = p.subscribe(b.subscriber, { initial: false });
    await tick(t, 0);
    assert.equal(folder.polls, 1, 'one listing for two subscribers');
    assert.equal(a.ready + b.ready, 2, 'both told once the baseline is there');
    await tick(t, POLL_MS);
    await tick(t, POLL_MS);
    assert.equal(folder.polls, 3);
    offA();
    await tick(t, POLL_MS);
    assert.equal(folder.polls, 4, 'still polling for the other');
    offB();
    assert.equal(idle, 1);
    await tick(t, 10 * POLL_MS);
    assert.equal(folder.polls, 4, 'stopped with the last');
    assert.equal(p.running, false);
  });

  test('created, changed, stable after stableMs (once), deleted; pattern and window per subscriber', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const folder = fakeFolder();
    const p = poller(folder);
    const all = recorder('*', 2_000);
    const csv = recorder('*.csv', 0);
    p.subscribe(all.subscriber, { initial: false });
    p.subscribe(csv.subscriber, { initial: false });
    await tick(t, 0);
    folder.files.set('a.csv', 1);
    folder.files.set('b.txt', 1);
    await tick(t, POLL_MS); // t=1000: created
    folder.files.set('a.csv', 2);
    await tick(t, POLL_MS); // t=2000: changed
    await tick(t, POLL_MS); // t=3000: b.txt seen since 1000 → stable@2000; a.csv since 2000
    await tick(t, POLL_MS); // t=4000: a.csv stable@2000
    await tick(t, POLL_MS); // nothing new
    folder.files.delete('b.txt');
    await tick(t, POLL_MS);
    assert.deepEqual(all.seen, ['created:a.csv', 'created:b.txt', 'changed:a.csv', 'stable:b.txt', 'stable:a.csv', 'deleted:b.txt']);
    assert.deepEqual(
      csv.seen,
      ['created:a.csv', 'stable:a.csv', 'changed:a.csv', 'stable:a.csv'],
      'stableMs=0: stable at the poll that sees a version',
    );
  });

  test('a failed poll is an error with backoff (doubling, capped), and the stream of events goes on after', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const folder = fakeFolder();
    const p = poller(folder, { maxBackoffMs: 4_000 });
    const r = recorder();
    p.subscribe(r.subscriber, { initial: false });
    await tick(t, 0);
    folder.fail(true);
    await tick(t, POLL_MS);
    await tick(t, 2_000);
    await tick(t, 4_000);
    await tick(t, 4_000);
    assert.deepEqual(r.seen, [
      'error:SERVER_UNAVAILABLE:2000',
      'error:SERVER_UNAVAILABLE:4000',
      'error:SERVER_UNAVAILABLE:4000',
      'error:SERVER_UNAVAILABLE:4000',
    ]);
    folder.fail(false);
    folder.files.set('x', 1);
    await tick(t, 4_000);
    assert.equal(r.seen.at(-1), 'created:x');
    await tick(t, POLL_MS);
    assert.equal(folder.polls, 7, 'back to pollMs after a success');
  });

  test('Last-Event-ID replays what came after it; an unknown or too old one gets existing events', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const folder = fakeFolder();
    const p = poller(folder, { historySize: 3 });
    const first = recorder('*', 60_000);
    const keepAlive = recorder('*', 60_000);
    p.subscribe(keepAlive.subscriber, { initial: false });
    const off = p.subscribe(first.subscriber, { initial: false });
    await tick(t, 0);
    folder.files.set('a', 1);
    await tick(t, POLL_MS);
    const lastSeen = first.events.at(-1)?.id as string;
    off();
    folder.files.set('b', 1);
    folder.files.set('c', 1);
    await tick(t, POLL_MS);
    const resumed = recorder('*', 60_000);
    p.subscribe(resumed.subscriber, { initial: false, lastEventId: lastSeen });
    assert.deepEqual(resumed.seen, ['created:b', 'created:c'], 'only what came after, at once');

    folder.files.set('d', 1);
    folder.files.set('e', 1);
    await tick(t, POLL_MS); // history (3) no longer reaches back to lastSeen
    const tooOld = recorder('*', 60_000);
    p.subscribe(tooOld.subscriber, { initial: false, lastEventId: lastSeen });
    assert.deepEqual(tooOld.seen.sort(), ['existing:a', 'existing:b', 'existing:c', 'existing:d', 'existing:e']);
    const foreign = recorder('*', 60_000);
    p.subscribe(foreign.subscriber, { initial: false, lastEventId: 'ffffffffffff-1' });
    assert.equal(foreign.seen.length, 5, 'another poller’s id: existing events');
  });

  test('initial before the first listing waits for it; existing carries the id to resume from', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const folder = fakeFolder();
    folder.files.set('a', 1);
    const p = poller(folder);
    const r = recorder();
    p.subscribe(r.subscriber, { initial: true });
    assert.deepEqual(r.seen, []);
    assert.equal(r.ready, 0, 'not ready before the first listing');
    await tick(t, 0);
    assert.deepEqual(r.seen, ['existing:a']);
    assert.equal(r.ready, 1);
    assert.equal(r.events[0]?.id, `${p.epoch}-0`);
  });

  test('the last subscriber leaving from inside its own event (a dropped slow caller) stops the polling', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const folder = fakeFolder();
    const p = poller(folder);
    let off: () => void = () => undefined;
    const r = recorder();
    off = p.subscribe({ ...r.subscriber, onEvent: () => off() }, { initial: false });
    await tick(t, 0);
    folder.files.set('a', 1);
    await tick(t, POLL_MS);
    const polls = folder.polls;
    await tick(t, 10 * POLL_MS);
    assert.equal(folder.polls, polls, 'no poll after the last subscriber left');
    assert.equal(p.running, false);
  });
});
