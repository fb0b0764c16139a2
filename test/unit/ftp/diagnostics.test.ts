import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { publish } from '../../../src/ftp/diagnostics.js';

describe('publish', () => {
  it('builds the event only when someone subscribes', () => {
    const channel = diagnostics_channel.channel('ftp-gateway:test:publish');
    let built = 0;
    const event = (): { n: number } => ({ n: ++built });
    publish(channel, event);
    assert.equal(built, 0, 'no subscriber: nothing built');
    const seen: unknown[] = [];
    const on = (message: unknown): void => void seen.push(message);
    diagnostics_channel.subscribe(channel.name, on);
    publish(channel, event);
    diagnostics_channel.unsubscribe(channel.name, on);
    assert.equal(built, 1);
    assert.deepEqual(seen, [{ n: 1 }]);
  });
});
