// settle(): the one place that decides what an engine's outcome means, for
// both engines and both directions. A fake control connection stands in for
// the server; FinalReply and abortTransfer are the real ones.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import type net from 'node:net';
import { ftpChannels, type FtpTransferEvent } from '../../../../src/ftp/diagnostics.js';
import { FtpError } from '../../../../src/ftp/errors.js';
import type { FtpControl } from '../../../../src/ftp/control/ftpControl.js';
import type { DataContext } from '../../../../src/ftp/data/dataConnection.js';
import { settle, type EngineResult, type SettleOptions, type TransferSession } from '../../../../src/ftp/data/settle.js';
import { FinalReply, type OpenTransfer } from '../../../../src/ftp/data/transfer.js';
import type { FtpReply } from '../../../../src/ftp/reply/ftpReply.js';

/** Replies come from `script` in order; a wait with none left never ends (the real timeouts apply). */
class FakeControl {
  closed = false;
  readonly sent: string[] = [];
  constructor(readonly script: FtpReply[]) {}
  send(verb: string): void {
    this.sent.push(verb);
  }
  nextReply(wait: { timeoutMs: number | null }): Promise<FtpReply> {
    const reply = this.script.shift();
    if (reply) return Promise.resolve(reply);
    if (this.closed) return Promise.reject(new FtpError('closed', { code: 'FTP_CONNECTION_CLOSED' }));
    return new Promise((_resolve, reject) => {
      if (wait.timeoutMs !== null) setTimeout(() => reject(new FtpError('no reply', { code: 'FTP_TIMEOUT' })), wait.timeoutMs).unref();
    });
  }
  destroy(): void {
    this.closed = true;
  }
  abortAnswered(): void {}
}

class FakeSocket {
  destroyed = false;
  reset = false;
  destroy(): void {
    this.destroyed = true;
  }
  resetAndDestroy(): void {
    this.reset = true;
    this.destroyed = true;
  }
}

const r = (code: number, message = `${code} said`): FtpReply => ({ code, message });

function transfer(script: FtpReply[]): { session: TransferSession; opened: OpenTransfer; control: FakeControl; tcp: FakeSocket } {
  const control = new FakeControl(script);
  const data = { control: control as unknown as FtpControl, timeouts: { connectMs: 50, commandMs: 50, dataMs: 1234 } } as DataContext;
  const tcp = new FakeSocket();
  const session: TransferSession = { data, sessionId: 1, host: 'h', countBytes: () => undefined };
  const opened: OpenTransfer = {
    method: 'EPSV',
    announcedBytes: null,
    socket: tcp as unknown as net.Socket,
    tcp: tcp as unknown as net.Socket,
    final: new FinalReply(data, 'RETR'),
    startedAt: Date.now(),
  };
  return { session, opened, control, tcp };
}

const result = (status: EngineResult['status'], extra: Partial<EngineResult> = {}): EngineResult => ({
  status,
  wireBytes: 100,
  localBytes: 90,
  relayed: false,
  ...extra,
});
const download: SettleOptions = { direction: 'download', verb: 'RETR', type: 'binary' };
const upload: SettleOptions = { direction: 'upload', verb: 'STOR', type: 'binary' };
const code = (expected: string) => (err: unknown) => err instanceof FtpError && err.code === expected;

describe('settle', () => {
  const events: FtpTransferEvent[] = [];
  const onEvent = (e: unknown): void => void events.push(e as FtpTransferEvent);
  beforeEach(() => {
    events.length = 0;
    diagnostics_channel.subscribe(ftpChannels.transfer.name, onEvent);
  });
  afterEach(() => diagnostics_channel.unsubscribe(ftpChannels.transfer.name, onEvent));

  test('data ended and a 2xx: complete, with the wire bytes, one ok event saying which engine', async () => {
    const t = transfer([r(226)]);
    const done = await settle(t.session, t.opened, result('eof', { relayed: true }), download);
    assert.deepEqual(done, { bytes: 100, localBytes: 90, method: 'EPSV' });
    assert.deepEqual(t.control.sent, [], 'no ABOR');
    assert.deepEqual(
      events.map((e) => [e.direction, e.ok, e.bytes, e.kernelRelay]),
      [['download', true, 100, true]],
    );
  });

  test('data ended but the final reply refuses: the refusal, no ABOR (the session is in step)', async () => {
    const t = transfer([r(451, '451 Local error')]);
    await assert.rejects(
      settle(t.session, t.opened, result('eof'), download),
      (err: unknown) => err instanceof FtpError && err.ftpCode === 451,
    );
    assert.deepEqual(t.control.sent, []);
    assert.equal(events[0]?.ok, false);
  });

  test('a limit reached is followed by ABOR and is complete', async () => {
    const t = transfer([r(426), r(226)]);
    await settle(t.session, t.opened, result('limit'), download);
    assert.deepEqual(t.control.sent, ['ABOR']);
    assert.equal(t.control.closed, false);
    assert.equal(events[0]?.ok, true);
  });

  test('an ABOR left unanswered destroys the session; the limited data is still complete', async () => {
    const t = transfer([]);
    await settle(t.session, t.opened, result('limit'), download);
    assert.equal(t.control.closed, true);
  });

  test('an idle data connection is FTP_TIMEOUT, whatever the engine said; a download is ABORed', async () => {
    for (const engineError of [undefined, new Error('ETIMEDOUT')]) {
      const t = transfer([r(426), r(226)]);
      await assert.rejects(settle(t.session, t.opened, result('timeout', { error: engineError }), download), (err: unknown) => {
        assert.ok(err instanceof FtpError && err.code === 'FTP_TIMEOUT');
        assert.match(err.message, /1234 ms/);
        return true;
      });
      assert.deepEqual(t.control.sent, ['ABOR']);
      assert.equal(t.tcp.destroyed, true);
    }
  });

  test('the data side breaking is FTP_DATA_CONNECTION, the caller’s side FTP_TRANSFER_INCOMPLETE (or its own error for a listing)', async () => {
    let t = transfer([r(426), r(226)]);
    await assert.rejects(
      settle(t.session, t.opened, result('source-error', { error: new Error('ECONNRESET') }), download),
      code('FTP_DATA_CONNECTION'),
    );
    t = transfer([r(426), r(226)]);
    await assert.rejects(
      settle(t.session, t.opened, result('destination-error', { error: new Error('response closed') }), download),
      code('FTP_TRANSFER_INCOMPLETE'),
    );
    const own = new Error('the consumer failed');
    t = transfer([r(426), r(226)]);
    await assert.rejects(
      settle(t.session, t.opened, result('destination-error', { error: own }), { ...download, direction: 'list', keepCallerErrors: true }),
      (err) => err === own,
    );
    // An FtpError from the data side stays as it is.
    const cut = new FtpError('closed before its end', { code: 'FTP_TRANSFER_INCOMPLETE' });
    t = transfer([r(426), r(226)]);
    await assert.rejects(settle(t.session, t.opened, result('source-error', { error: cut }), download), (err) => err === cut);
  });

  test("the caller's abort wins over everything else", async () => {
    const controller = new AbortController();
    controller.abort(new Error('client left'));
    const t = transfer([r(552, '552 Quota')]);
    await assert.rejects(
      settle(t.session, t.opened, result('destination-error'), { ...upload, signal: controller.signal }),
      code('FTP_ABORTED'),
    );
    const d = transfer([r(426), r(226)]);
    await assert.rejects(settle(d.session, d.opened, result('aborted'), download), code('FTP_ABORTED'));
  });

  test('a failed upload resets the data connection and reads the final reply instead of ABOR; the server’s refusal says more than the broken pipe', async () => {
    let t = transfer([r(552, '552 Quota exceeded')]);
    await assert.rejects(
      settle(t.session, t.opened, result('destination-error', { error: new Error('EPIPE') }), upload),
      (err: unknown) => {
        assert.ok(err instanceof FtpError && err.code === 'FTP_REPLY' && err.ftpCode === 552 && err.category === 'storage-full');
        return true;
      },
    );
    assert.equal(t.tcp.reset, true);
    assert.deepEqual(t.control.sent, [], 'no ABOR');
    assert.equal(t.control.closed, false);
    // The server took the reset for an end (226): still a failure, never a success.
    t = transfer([r(226)]);
    await assert.rejects(settle(t.session, t.opened, result('timeout'), upload), code('FTP_TIMEOUT'));
    t = transfer([r(226)]);
    await assert.rejects(
      settle(t.session, t.opened, result('source-error', { error: new Error('request body aborted') }), upload),
      code('FTP_TRANSFER_INCOMPLETE'),
    );
    t = transfer([r(226)]);
    await assert.rejects(
      settle(t.session, t.opened, result('destination-error', { error: new Error('EPIPE') }), upload),
      code('FTP_DATA_CONNECTION'),
    );
    assert.deepEqual(
      events.map((e) => [e.direction, e.ok]),
      [
        ['upload', false],
        ['upload', false],
        ['upload', false],
        ['upload', false],
      ],
    );
  });
});
