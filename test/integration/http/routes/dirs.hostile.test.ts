// A server whose listing never ends and holds nothing a listing dialect can
// read (issue 10.6), and lines no dialect reads in a finite listing
// (contract v1.1: unknown entries with raw). No real server does either on
// demand, so a scripted peer plays it; the data socket is observed from the
// server's side.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DEFAULT_LIMITS, type LimitsConfig } from '../../../../src/config/index.js';
import { startScriptedServer, type ScriptedServer } from '../../../helpers/scriptedFtpServer.js';
import { API, eventually, gatewayConfig, serverConfig, startGateway, type RunningGateway } from '../../../helpers/httpHarness.js';

interface DataSide {
  /** The listing's data connection, once the gateway connected. */
  socket?: net.Socket;
  /** Bytes written to it so far. */
  sent: number;
  closed: boolean;
}

const GARBAGE = Buffer.from('this line is in no listing dialect at all\r\n'.repeat(1_500));

/**
 * Logs in, answers CWD/TYPE, EPSV with a loopback data port, and LIST with
 * `listing`: `endless` writes unreadable lines as fast as the gateway reads
 * them until the data connection closes; a string is sent whole, then 226.
 */
async function listingServer(listing: 'endless' | string, data: DataSide): Promise<ScriptedServer> {
  return startScriptedServer((line, reply) => {
    const verb = line.split(' ')[0]?.toUpperCase() ?? '';
    if (verb === 'TYPE' || verb === 'NOOP') reply('200 OK');
    else if (verb === 'CWD') reply('250 OK');
    else if (verb === 'EPSV') {
      // A LIST may arrive before this connection does (the gateway sends it while connecting): it waits for this one, not the last.
      delete data.socket;
      const listener = net.createServer((sock) => {
        listener.close();
        data.socket = sock;
        sock.on('error', () => undefined);
        sock.on('close', () => (data.closed = true));
      });
      listener.listen(0, '127.0.0.1', () =>
        reply(`229 Entering Extended Passive Mode (|||${(listener.address() as net.AddressInfo).port}|)`),
      );
      listener.unref();
    } else if (verb === 'LIST') {
      reply('150 Here comes the directory listing.');
      const pump = (): void => {
        const sock = data.socket;
        if (!sock) return void setTimeout(pump, 5);
        if (listing !== 'endless') return void sock.end(listing, () => reply('226 Directory send OK.'));
        while (!sock.destroyed) {
          data.sent += GARBAGE.length;
          if (!sock.write(GARBAGE)) return void sock.once('drain', pump);
        }
      };
      pump();
    } else if (verb === 'ABOR') {
      data.socket?.destroy();
      reply('426 Transfer aborted.');
      reply('226 ABOR successful.');
    } else reply('502 not implemented');
  });
}

/** Rejects when `promise` has not settled within `ms` (a listing that never ends must not hang the suite). */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A raw HTTP GET whose client hangs up once `enough` says so. */
async function getThenHangUp(port: number, path: string, enough: (bodyText: string) => boolean): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  await eventually(() => enough(text), 10_000);
  socket.destroy();
  return text;
}

describe('hostile and unreadable listings', () => {
  let server: ScriptedServer | undefined;
  let gw: RunningGateway | undefined;
  const data: DataSide = { sent: 0, closed: false };
  const start = async (listing: 'endless' | string, limits: Partial<LimitsConfig> = {}): Promise<RunningGateway> => {
    Object.assign(data, { socket: undefined, sent: 0, closed: false });
    server = await listingServer(listing, data);
    gw = await startGateway(
      gatewayConfig([serverConfig({ host: '127.0.0.1', port: server.port, mode: 'passive' })], {
        limits: { ...DEFAULT_LIMITS, ...limits },
      }),
    );
    return gw;
  };
  afterEach(async () => {
    data.socket?.destroy(); // whatever the gateway did, stop the pump
    await gw?.close();
    await server?.close();
  });

  test('a client that leaves a streamed endless listing: the gateway closes the data connection within a second', async () => {
    const g = await start('endless');
    const body = await getThenHangUp(g.port, `${API}/dirs/?sort=none`, (t) => t.length > 200_000);
    assert.match(body, /"type":"unknown","size":null,"modifiedAt":null,"raw":"this line is in no listing dialect at all"/);
    await eventually(() => data.closed, 1_000);
  });

  test('a client that leaves a sorted endless listing: the gateway closes the data connection within a second', async () => {
    const g = await start('endless', { maxListEntries: 100_000_000, listingMemoryBytes: 2 ** 40 });
    await getThenHangUp(g.port, `${API}/dirs/`, () => data.sent > 2_000_000);
    await eventually(() => data.closed, 1_000);
  });

  test('unreadable lines count toward maxListEntries: a sorted endless listing → 413 and its data connection closed', async () => {
    const g = await start('endless', { maxListEntries: 5_000 });
    const r = await within(10_000, g.request('GET', `${API}/dirs/`));
    assert.equal(r.status, 413, r.text());
    assert.equal(r.json<{ code: string }>().code, 'LISTING_TOO_LARGE');
    await eventually(() => data.closed, 1_000);
  });

  test('a line no dialect reads is an unknown entry with raw, in both sort orders', async () => {
    const g = await start('total 2\r\nwhat is this?\r\n-rw-r--r--    1 999      995            12 Mar 15  2021 ok.txt\r\n\r\n');
    const unknown = { name: 'what is this?', type: 'unknown', size: null, modifiedAt: null, raw: 'what is this?' };
    const ok = { name: 'ok.txt', type: 'file', size: 12, modifiedAt: '2021-03-15T00:00:00.000Z', modifiedAtPrecision: 'day' };
    const sorted = await g.request('GET', `${API}/dirs/`);
    assert.equal(sorted.status, 200, sorted.text());
    assert.deepEqual(sorted.json(), { path: '', entries: [ok, unknown] });
    const streamed = await g.request('GET', `${API}/dirs/?sort=none`);
    assert.deepEqual(streamed.json(), { path: '', entries: [unknown, ok] }, 'the server\'s order; "total" and blank lines are no entries');
  });

  test('a legacy dialect (VMS, an entry over two lines) and an unreadable line in it reach the caller as the contract says', async () => {
    // The harness checks each response against the OpenAPI document.
    const g = await start(
      'Directory USER1:[TEMP]\r\n\r\nUCX$REXECD_STARTUP.LOG;1098\r\n' +
        '                         4/15         24-FEB-2003 13:17:24  [POSTWARE,LP]    (RWED,RWED,RE,)\r\n' +
        'DATA.DIR;1               1/9           2-JUN-1998 07:32:04  [GROUP,OWNER]    (RWED,RWED,RWED,RE)\r\n' +
        '%RMS-E-FNF, file not found\r\n\r\nTotal of 2 files, 5/24 blocks.\r\n',
    );
    const log = {
      name: 'UCX$REXECD_STARTUP.LOG;1098',
      type: 'file',
      size: null,
      modifiedAt: '2003-02-24T13:17:24.000Z',
      modifiedAtPrecision: 'second',
    };
    const dir = { name: 'DATA.DIR', type: 'directory', size: null, modifiedAt: '1998-06-02T07:32:04.000Z', modifiedAtPrecision: 'second' };
    const raw = '%RMS-E-FNF, file not found';
    const unknown = { name: raw, type: 'unknown', size: null, modifiedAt: null, raw };
    const streamed = await g.request('GET', `${API}/dirs/?sort=none`);
    assert.equal(streamed.status, 200, streamed.text());
    assert.deepEqual(streamed.json(), { path: '', entries: [log, dir, unknown] });
    const sorted = await g.request('GET', `${API}/dirs/`);
    assert.deepEqual(sorted.json(), { path: '', entries: [dir, unknown, log] });
  });
});
