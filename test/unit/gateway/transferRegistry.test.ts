import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferRegistry } from '../../../src/gateway/transferRegistry.js';

describe('TransferRegistry', () => {
  test('lists, tracks progress, waits for idle and aborts', async (ctx) => {
    ctx.mock.timers.enable({ apis: ['setTimeout'] });
    const reg = new TransferRegistry();
    const aborted: string[] = [];
    const t = reg.start({ server: 's', path: 'a', direction: 'upload', totalBytes: 10 }, (e) => aborted.push(e.message));
    t.progress(4);
    const [info] = reg.list();
    assert.equal(info?.bytes, 4);
    assert.equal(info?.totalBytes, 10);
    assert.ok(!Number.isNaN(Date.parse(info?.startedAt ?? '')));
    const busy = reg.waitForIdle(10);
    ctx.mock.timers.tick(10);
    assert.equal(await busy, false);
    const idle = reg.waitForIdle(60_000);
    reg.abortAll(new Error('cut'));
    assert.deepEqual(aborted, ['cut']);
    t.finish();
    assert.equal(await idle, true);
    assert.equal(reg.count(), 0);
  });
});
