// SerialQueue: one task at a time in order; a waiting caller's signal takes
// it out of the queue; runAlone fails fast, naming both callers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FtpError } from '../../../src/ftp/errors.js';
import { SerialQueue } from '../../../src/ftp/serialQueue.js';

/** A task that runs until released. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('SerialQueue', () => {
  test('runs tasks one at a time, in the order they were asked for, whether they succeed or fail', async () => {
    const queue = new SerialQueue('q');
    const log: string[] = [];
    const first = gate();
    const a = queue.run('a', async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
      throw new Error('a failed');
    });
    const b = queue.run('b', async () => {
      log.push('b');
      return 2;
    });
    const c = queue.run('c', async () => {
      log.push('c');
      return 3;
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['a start']);
    assert.equal(queue.busy, true);
    first.open();
    await assert.rejects(a, /a failed/);
    assert.equal(await b, 2);
    assert.equal(await c, 3);
    assert.deepEqual(log, ['a start', 'a end', 'b', 'c']);
    assert.equal(queue.busy, false);
  });

  test('a waiting caller whose signal fires leaves at once, never runs, and holds up nobody', async () => {
    const queue = new SerialQueue('q');
    const first = gate();
    const ran: string[] = [];
    const a = queue.run('a', () => first.promise.then(() => void ran.push('a')));
    const controller = new AbortController();
    const b = queue.run('b', async () => void ran.push('b'), controller.signal);
    const c = queue.run('c', async () => void ran.push('c'));
    controller.abort(new Error('caller left'));
    await assert.rejects(
      b,
      (err: unknown) => err instanceof FtpError && err.code === 'FTP_ABORTED' && (err.cause as Error).message === 'caller left',
    );
    assert.deepEqual(ran, [], 'b left while a still runs');
    first.open();
    await a;
    await c;
    assert.deepEqual(ran, ['a', 'c']);
  });

  test('an already aborted signal fails before anything runs', async () => {
    const queue = new SerialQueue('q');
    let ran = false;
    await assert.rejects(
      queue.run('x', async () => void (ran = true), AbortSignal.abort()),
      (err: unknown) => err instanceof FtpError && err.code === 'FTP_ABORTED',
    );
    assert.equal(ran, false);
    assert.equal(queue.busy, false);
  });

  test('runAlone fails fast while another task runs, naming both; the running one goes on', async () => {
    const queue = new SerialQueue('FTP session 7');
    const first = gate();
    const running = queue.runAlone('download()', () => first.promise.then(() => 'done'));
    let ran = false;
    const overlap = queue.runAlone('stat()', async () => void (ran = true));
    await assert.rejects(overlap, (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'SessionOverlapError');
      assert.match(err.message, /FTP session 7: stat\(\) was asked for while download\(\) runs/);
      // The cause's stack is where the running task was asked for: this test.
      assert.match(String((err.cause as Error).stack), /serialQueue\.test\.ts/);
      return true;
    });
    assert.equal(ran, false);
    first.open();
    assert.equal(await running, 'done');
  });

  test('runAlone right after the previous task settled is no overlap (its caller resumes after it is over)', async () => {
    const queue = new SerialQueue('q');
    for (let i = 0; i < 5; i++) {
      await queue.runAlone('a', async () => i);
      await assert.rejects(
        queue.runAlone('b', async () => Promise.reject(new Error('x'))),
        /x/,
      );
    }
  });

  test('idle() resolves once nothing runs or waits, tasks added meanwhile included', async () => {
    const queue = new SerialQueue('q');
    await queue.idle();
    const first = gate();
    const order: string[] = [];
    void queue.run('a', () => first.promise.then(() => void order.push('a')));
    const idle = queue.idle().then(() => order.push('idle'));
    void queue.run('b', async () => void order.push('b'));
    first.open();
    await idle;
    assert.deepEqual(order, ['a', 'b', 'idle']);
  });
});
