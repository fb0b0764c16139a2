// Folder events over Server-Sent Events against a real vsftpd (contract v1.1
// "Events"): created → changed → stable for a file written in several
// appends, deleted, one poller for two subscribers (the server's own command
// log counts the listings), Last-Event-ID resumes without repeats, a folder
// that disappears and a server restart are `error` events on a stream that
// carries on. The poll interval is 150 ms, below the contract's 1000 ms
// minimum: loadConfig() refuses that, a Config built by the test does not
// (docs/testing.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultProxy } from '../../../helpers/faultProxy.js';
import { serverSkip } from '../../../helpers/requireServers.js';
import type { RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import { fileEvent, openEventStream, type SseMessage, type SseStream } from '../../../helpers/sseClient.js';
import {
  API,
  chownTree,
  eventually,
  ftpServerConfig,
  gatewayConfig,
  startGateway,
  type RunningGateway,
} from '../../../helpers/httpHarness.js';

const POLL_MS = 150;
const STABLE_MS = 600;

const named =
  (event: string, name: string) =>
  (m: SseMessage): boolean =>
    m.event === event && m.data.name === name;

describe('folder events on vsftpd', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let proxy: FaultProxy;
  let gw: RunningGateway;
  const open: SseStream[] = [];

  async function watch(folder: string, query = '', headers: Record<string, string> = {}): Promise<SseStream> {
    const stream = await openEventStream(gw.port, `${API}/events/${folder}${query}`, headers);
    open.push(stream);
    return stream;
  }

  /** Each test's streams end with it, so that its pollers stop and the next test counts only its own. */
  async function closeAll(): Promise<void> {
    for (const stream of open.splice(0)) stream.close();
    await eventually(async () => (await metric('gateway_watch_pollers')) === 0);
  }

  async function metric(name: string): Promise<number> {
    const text = (await gw.request('GET', '/metrics')).text();
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith(name) && !line.startsWith('#')) sum += Number(line.split(' ').at(-1));
    return sum;
  }

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    for (const dir of ['appends', 'shared', 'resume', 'gone', 'restart', 'patterns', 'claimed']) mkdirSync(join(ftp.root, dir));
    writeFileSync(join(ftp.root, 'resume', 'before.txt'), 'b');
    writeFileSync(join(ftp.root, 'patterns', 'a.csv'), 'a');
    writeFileSync(join(ftp.root, 'patterns', 'b.txt'), 'b');
    writeFileSync(join(ftp.root, 'patterns', '.hidden.csv'), 'h');
    chownTree(ftp.root);
    proxy = await FaultProxy.start({ upstreamHost: ftp.host, upstreamPort: ftp.port });
    gw = await startGateway(gatewayConfig([ftpServerConfig(ftp, { port: proxy.port, mode: 'passive', watch: { pollMs: POLL_MS } })]));
  });
  after(async () => {
    for (const stream of open) stream.close();
    await gw?.close();
    await proxy?.close();
    await ftp?.stop();
  });

  test('a file written in several appends: created, changed per append, then one stable with its final size; deleted', async () => {
    const stream = await watch('appends', `?stableMs=${STABLE_MS}`);
    const file = join(ftp.root, 'appends', 'invoice.xml');
    writeFileSync(file, 'a'.repeat(100));
    chownTree(ftp.root);
    const created = await stream.next(named('created', 'invoice.xml'));
    assert.deepEqual(
      { ...fileEvent(created), modifiedAt: null },
      { path: 'appends/invoice.xml', name: 'invoice.xml', type: 'file', size: 100, modifiedAt: null },
    );
    // Each append waits for the poller to see the one before: the file never sits still for stableMs until the last.
    for (const size of [200, 300]) {
      appendFileSync(file, 'a'.repeat(100));
      await stream.next((m) => m.event === 'changed' && m.data.size === size);
    }
    const stable = await stream.next(named('stable', 'invoice.xml'));
    assert.equal(stable.data.size, 300);
    assert.deepEqual(
      stream.messages.filter((m) => m.data.name === 'invoice.xml').map((m) => `${m.event}:${m.data.size}`),
      ['created:100', 'changed:200', 'changed:300', 'stable:300'],
      'stable only once, for the last version',
    );
    rmSync(file);
    const deleted = await stream.next(named('deleted', 'invoice.xml'));
    assert.equal(deleted.data.path, 'appends/invoice.xml');
    // Ids grow within the stream.
    const seqs = stream.messages.map((m) => Number(m.id?.split('-')[1]));
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    await closeAll();
  });

  test('two subscribers share one poller: the same event ids, and the server saw one listing per poll', async () => {
    // Nothing polls now: the counts below are this test's alone.
    const logBefore = (await ftp.commandLog()).length;
    const pollsBefore = await metric('gateway_watch_polls_total');
    const first = await watch('shared', '?stableMs=0');
    const second = await watch('shared', '?stableMs=0');
    assert.equal(await metric('gateway_watch_pollers'), 1, 'one poller for two subscribers');
    writeFileSync(join(ftp.root, 'shared', 'one.csv'), '1');
    chownTree(ftp.root);
    const [a, b] = await Promise.all([first.next(named('created', 'one.csv')), second.next(named('created', 'one.csv'))]);
    assert.equal(a.id, b.id, 'one poller made the event both got');
    assert.equal(a.data.size, 1);
    await closeAll();
    const polls = (await metric('gateway_watch_polls_total')) - pollsBefore;
    const log = (await ftp.commandLog()).slice(logBefore);
    const lists = log.filter((c) => /^(LIST|MLSD)\b/.test(c)).length;
    assert.ok(polls >= 2, `${polls} polls`);
    // A poll cut short when the last subscriber left sent its LIST but was not counted.
    assert.ok(lists === polls || lists === polls + 1, `${lists} listings for ${polls} polls: two subscribers did not double them`);
    assert.deepEqual(
      log.filter((c) => c.startsWith('CWD ') && !c.endsWith('/shared')),
      [],
      'only the shared folder was listed',
    );
  });

  test('Last-Event-ID resumes without repeats; an id this process never gave starts as initial=true', async () => {
    const first = await watch('resume', '?initial=true');
    const existing = await first.next(named('existing', 'before.txt'));
    writeFileSync(join(ftp.root, 'resume', 'seen.txt'), 's');
    chownTree(ftp.root);
    const seen = await first.next(named('created', 'seen.txt'));
    first.close();
    await first.ended;
    // Written while nobody listens.
    writeFileSync(join(ftp.root, 'resume', 'missed.txt'), 'm');
    chownTree(ftp.root);
    const resumed = await watch('resume', '', { 'Last-Event-ID': seen.id as string });
    await resumed.next(named('created', 'missed.txt'));
    assert.deepEqual(
      resumed.messages.map((m) => `${m.event}:${m.data.name}`),
      ['created:missed.txt'],
      'nothing the caller had again, no existing events',
    );
    assert.ok(existing.id !== undefined);

    const unknown = await watch('resume', '', { 'Last-Event-ID': '000000000000-1' });
    await unknown.next(named('existing', 'missed.txt'));
    assert.deepEqual(unknown.messages.map((m) => `${m.event}:${m.data.name}`).sort(), [
      'existing:before.txt',
      'existing:missed.txt',
      'existing:seen.txt',
    ]);
    await closeAll();
  });

  test('pattern filters names; * skips hidden names; a bad option is 400, a missing folder 404, a file 409', async () => {
    const csv = await watch('patterns', '?pattern=*.csv&initial=true');
    await csv.next(named('existing', 'a.csv'));
    writeFileSync(join(ftp.root, 'patterns', 'c.txt'), 'c');
    writeFileSync(join(ftp.root, 'patterns', 'd.csv'), 'd');
    chownTree(ftp.root);
    await csv.next(named('created', 'd.csv'));
    assert.deepEqual(
      csv.messages.filter((m) => m.event !== 'stable').map((m) => `${m.event}:${m.data.name}`),
      ['existing:a.csv', 'created:d.csv'],
    );
    assert.equal((await watch('patterns', '?stableMs=soon')).status, 400);
    assert.equal((await watch('patterns', '?pattern=a%2Fb')).status, 400);
    assert.equal((await watch('no-such-folder')).status, 404);
    const head = await gw.request('HEAD', `${API}/events/patterns`);
    assert.equal(head.status, 200, 'HEAD answers the headers and ends');
    assert.match(String(head.headers['content-type']), /^text\/event-stream/);
    assert.equal((await watch('patterns/a.csv')).status, 409);
    await closeAll();
  });

  test('claims on a watched folder judge stability with the poller: a file the stream saw stable is claimed at once', async () => {
    const stream = await watch('claimed', `?stableMs=${STABLE_MS}`);
    writeFileSync(join(ftp.root, 'claimed', 'job.xml'), 'job');
    chownTree(ftp.root);
    await stream.next(named('stable', 'job.xml'));
    // This process's claims never listed the folder: alone they would count from now (204), not from the poller's first sighting.
    const claim = await gw.request('POST', `${API}/claims`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'claimed', stableMs: STABLE_MS }),
    });
    assert.equal(claim.status, 201);
    assert.equal(claim.json<{ name: string }>().name, 'job.xml');
    await stream.next(named('deleted', 'job.xml'));
    await closeAll();
  });

  test('a folder that disappears is an error event, not the end; events again once it is back', async () => {
    const stream = await watch('gone');
    await eventually(async () => (await metric('gateway_watch_polls_total')) > 0);
    renameSync(join(ftp.root, 'gone'), join(ftp.root, 'gone-away'));
    const error = await stream.next((m) => m.event === 'error');
    assert.equal(error.data.code, 'FOLDER_NOT_FOUND');
    assert.ok((error.data.retryInMs as number) > POLL_MS, 'backs off');
    renameSync(join(ftp.root, 'gone-away'), join(ftp.root, 'gone'));
    writeFileSync(join(ftp.root, 'gone', 'back.txt'), 'b');
    chownTree(ftp.root);
    await stream.next(named('created', 'back.txt'));
    await closeAll();
  });

  test('the stream survives a server restart: error events while it is away, then events again', async () => {
    const stream = await watch('restart');
    writeFileSync(join(ftp.root, 'restart', 'first.txt'), '1');
    chownTree(ftp.root);
    await stream.next(named('created', 'first.txt'));
    // The proxy keeps the server unreachable until the error was seen: a restart alone can be quicker than a poll.
    proxy.refuseConnections(true);
    proxy.cutAll();
    await ftp.restart();
    const error = await stream.next((m) => m.event === 'error');
    assert.equal(error.data.code, 'SERVER_UNAVAILABLE');
    proxy.refuseConnections(false);
    writeFileSync(join(ftp.root, 'restart', 'second.txt'), '2');
    chownTree(ftp.root);
    await stream.next(named('created', 'second.txt'), { timeoutMs: 20_000 });
    assert.equal(
      stream.messages.filter((m) => m.event === 'created' && m.data.name === 'first.txt').length,
      1,
      'no repeats after the restart',
    );
    await closeAll();
  });
});

describe('folder events on proftpd (MLSD)', serverSkip('proftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  const open: SseStream[] = [];

  before(async () => {
    ftp = await borrowFtpServer('proftpd');
    mkdirSync(join(ftp.root, 'drop'));
    chownTree(ftp.root);
    gw = await startGateway(gatewayConfig([ftpServerConfig(ftp, { mode: 'passive', watch: { pollMs: POLL_MS } })]));
  });
  after(async () => {
    for (const stream of open) stream.close();
    await gw?.close();
    await ftp?.stop();
  });

  test('listed with MLSD: times to the second, a rewrite of the same size within a minute is still a change', async () => {
    const stream = await openEventStream(gw.port, `${API}/events/drop?stableMs=${STABLE_MS}`);
    open.push(stream);
    const file = join(ftp.root, 'drop', 'a.dat');
    writeFileSync(file, 'one');
    chownTree(ftp.root);
    const created = await stream.next(named('created', 'a.dat'));
    // Same size, a time one second later: LIST (minutes) could not see it, MLSD does.
    const later = new Date(Date.parse(created.data.modifiedAt as string) + 1_000);
    utimesSync(file, later, later);
    const changed = await stream.next(named('changed', 'a.dat'));
    assert.equal(changed.data.size, 3);
    assert.equal(changed.data.modifiedAt, later.toISOString());
    await stream.next(named('stable', 'a.dat'));
    const log = await ftp.commandLog();
    assert.ok(log.some((c) => c.startsWith('MLSD')) && !log.some((c) => c.startsWith('LIST')), 'MLSD, never LIST');
  });
});
