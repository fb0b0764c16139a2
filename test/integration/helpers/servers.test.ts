// Smoke test of the real-server launchers (test/helpers/servers): every kind
// and variant starts, greets, logs in, refuses what its variant refuses, and
// leaves no process behind once stopped. Uses a raw socket client, not src/ftp.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { ALL_SERVER_KINDS, UNCHROOTED_SERVER_KINDS, serverSkip } from '../../helpers/requireServers.js';
import { ftpServerUnsupported, startFtpServer, type FtpServerOptions, type RunningFtpServer } from '../../helpers/servers/index.js';
import { RawFtpControl } from '../../helpers/servers/rawFtp.js';

const VARIANTS: ReadonlyArray<{ name: string; options: FtpServerOptions }> = [
  { name: 'default', options: {} },
  { name: 'passive-only', options: { dataModes: 'passive-only' } },
  { name: 'active-only', options: { dataModes: 'active-only' } },
  { name: 'explicit TLS', options: { tls: 'explicit' } },
  { name: 'explicit TLS required', options: { tls: 'explicit-required' } },
  { name: 'implicit TLS', options: { tls: 'implicit' } },
];

/** A process is gone when /proc has no entry for it, or only a zombie awaiting its reaper. */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Logs in as the variant requires (TLS first where needed) and returns the open session. */
async function openSession(server: RunningFtpServer, options: FtpServerOptions): Promise<RawFtpControl> {
  const implicit = options.tls === 'implicit';
  const control = await RawFtpControl.connect(server.port, implicit && server.caPem ? { implicitTlsCa: server.caPem } : {});
  assert.equal(control.greeting.code, 220, control.greeting.text);
  if (options.tls === 'explicit' || options.tls === 'explicit-required') {
    assert.ok(server.caPem);
    const auth = await control.authTls(server.caPem);
    assert.equal(auth.code, 234, auth.text);
    assert.ok(control.tlsSocket?.authorized, 'the server certificate verifies against caPem');
  }
  const login = await control.login(server.user, server.password);
  assert.equal(login.code, 230, login.text);
  return control;
}

/** Stops the server with a session still logged in and checks that nothing of it survives. */
async function stopAndCheck(server: RunningFtpServer, session: RawFtpControl, external: boolean): Promise<void> {
  const pids = server.processIds();
  if (external) {
    // The listener plus the logged-in session (vsftpd and proftpd sessions setsid()).
    assert.ok(pids.length >= 2, `expected listener and session processes, got ${pids.join(',')}`);
  }
  await server.stop();
  session.close();
  for (const pid of pids) assert.ok(processGone(pid), `process ${pid} of ${server.kind} survived stop()`);
  assert.deepEqual(server.processIds(), []);
  assert.ok(await connectionRefused(server.port), 'the control port is closed');
}

for (const kind of [...ALL_SERVER_KINDS, ...UNCHROOTED_SERVER_KINDS]) {
  const external = kind !== 'ftp-srv';

  describe(`${kind} launcher`, serverSkip(kind), () => {
    for (const variant of VARIANTS) {
      const unsupported = ftpServerUnsupported(kind, variant.options);
      if (unsupported !== undefined) {
        it(`refuses to start ${variant.name} (${unsupported})`, async () => {
          await assert.rejects(startFtpServer(kind, variant.options), Error);
        });
        continue;
      }

      it(`${variant.name}: greets, logs in, enforces its variant, stops cleanly`, { timeout: 30_000 }, async () => {
        const server = await startFtpServer(kind, variant.options);
        let session: RawFtpControl | undefined;
        try {
          assert.equal(server.kind, kind);
          assert.equal(server.host, '127.0.0.1');
          assert.equal(server.features.tls, (variant.options.tls ?? 'none') !== 'none');
          assert.equal(server.caPem !== undefined, server.features.tls);

          if (variant.options.tls === 'explicit-required') {
            // Plaintext logins are refused (vsftpd 530 at USER, pure-ftpd 421, proftpd 550).
            const plain = await RawFtpControl.connect(server.port);
            assert.equal(plain.greeting.code, 220);
            const refused = await plain.login(server.user, server.password);
            assert.notEqual(refused.code, 230, refused.text);
            assert.ok(refused.code >= 400 || refused.code === 0, refused.text);
            plain.close();
          }

          session = await openSession(server, variant.options);

          if (variant.options.dataModes === 'passive-only') {
            assert.equal(server.features.active, false);
            const port = await session.send('PORT 127,0,0,1,100,100');
            assert.ok(port.code >= 500 && port.code < 600, port.text);
            const eprt = await session.send('EPRT |1|127.0.0.1|25700|');
            assert.ok(eprt.code >= 500 && eprt.code < 600, eprt.text);
            assert.equal((await session.send('EPSV')).code, 229);
          } else if (variant.options.dataModes === 'active-only') {
            assert.equal(server.features.passive, false);
            const pasv = await session.send('PASV');
            assert.ok(pasv.code >= 500 && pasv.code < 600, pasv.text);
            const epsv = await session.send('EPSV');
            assert.ok(epsv.code >= 500 && epsv.code < 600, epsv.text);
          }

          if (variant.name === 'default') {
            // The root folder is the login directory ("/" when chrooted), in both data modes.
            writeFileSync(`${server.root}/hello.txt`, 'hello\n');
            const passive = await session.listing('NLST');
            assert.equal(passive.end.code, 226, passive.end.text);
            assert.match(passive.data.toString('utf8'), /hello\.txt/);
            const active = await session.activeListing('NLST');
            assert.equal(active.end.code, 226, active.end.text);
            assert.match(active.data.toString('utf8'), /hello\.txt/);

            if (kind === 'pure-ftpd' || kind === 'inetutils-ftpd' || kind === 'netkit-ftpd')
              assert.deepEqual(await server.commandLog(), [], `${kind} logs to syslog only`);
            else {
              const log = await eventually(
                () => server.commandLog(),
                (entries) => entries.includes('NLST'),
              );
              assert.ok(log.includes(`USER ${server.user}`), log.join(' | '));
              assert.ok(log.includes('PASS ****'), log.join(' | '));
              assert.ok(!log.some((entry) => entry.includes(server.password)), 'the command log never shows the password');
            }
          }

          await stopAndCheck(server, session, external);
        } finally {
          session?.close();
          await server.stop();
        }
      });
    }

    it('restart: same port and root, old sessions ended', { timeout: 30_000 }, async () => {
      const server = await startFtpServer(kind);
      try {
        writeFileSync(`${server.root}/kept.txt`, 'kept\n');
        const before = await openSession(server, {});
        const oldPids = server.processIds();
        await server.restart();
        for (const pid of oldPids) assert.ok(processGone(pid), `process ${pid} survived restart()`);
        assert.equal((await before.send('NOOP')).code, 0, 'the old session was closed');
        const after = await openSession(server, {});
        const listing = await after.listing('NLST');
        assert.match(listing.data.toString('utf8'), /kept\.txt/);
        await stopAndCheck(server, after, external);
        before.close();
      } finally {
        await server.stop();
      }
    });

    const noClientLimit = ftpServerUnsupported(kind, { maxClients: 1 });
    if (noClientLimit !== undefined) {
      it(`refuses to start with maxClients (${noClientLimit})`, async () => {
        await assert.rejects(startFtpServer(kind, { maxClients: 1 }), Error);
      });
    } else
      it('maxClients: 1 refuses a second session', { timeout: 30_000 }, async () => {
        const server = await startFtpServer(kind, { maxClients: 1 });
        try {
          const first = await openSession(server, {});
          // vsftpd, pure-ftpd and ftp-srv answer 421 at connect; proftpd's MaxClients answers 530 at PASS.
          const second = await RawFtpControl.connect(server.port);
          const refusal = second.greeting.code === 220 ? await second.login(server.user, server.password) : second.greeting;
          assert.ok(refusal.code === 421 || refusal.code === 530, refusal.text);
          second.close();
          await stopAndCheck(server, first, external);
        } finally {
          await server.stop();
        }
      });
  });
}

/** Polls `read` until `done` holds or 5 s pass (logs are written just after the reply). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
