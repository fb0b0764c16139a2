import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { ftpChannels } from '../../../src/ftp/diagnostics.js';
import { createServerKnowledge } from '../../../src/ftp/profile/serverProfile.js';
import { configSecrets, createLogger, scrubSecrets, subscribeFtpLogging } from '../../../src/observability/logging.js';
import { requestIdFrom, requestLogger, routeOf } from '../../../src/http/middleware/requestLogger.js';

/** A pino destination that keeps every line. */
function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const text = (): string => chunks.join('');
  const lines = (): Array<Record<string, unknown>> =>
    text()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines, text };
}

const SECRETS = ['s3cret-pass', 'k3y-abc', 'tok-xyz', 'c00kie'];

function assertNoSecret(text: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `leaked ${secret}: ${text}`);
}

describe('createLogger', () => {
  it('redacts credential fields and headers', () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    log.info(
      { req: { headers: { authorization: 'Bearer tok-xyz', 'x-api-key': 'k3y-abc', cookie: 'sid=c00kie', accept: '*/*' } } },
      'request',
    );
    log.info({ headers: { Authorization: 'Basic tok-xyz', authorization: 'Basic tok-xyz' } }, 'top-level headers');
    log.info(
      { password: 's3cret-pass', server: { password: 's3cret-pass', apiKey: 'k3y-abc' }, config: { auth: { apiKey: 'k3y-abc' } } },
      'config',
    );
    const lines = out.lines();
    assert.equal(lines.length, 3);
    const headers = (lines[0]!.req as { headers: Record<string, unknown> }).headers;
    assert.equal(headers.authorization, '[REDACTED]');
    assert.equal(headers['x-api-key'], '[REDACTED]');
    assert.equal(headers.cookie, '[REDACTED]');
    assert.equal(headers.accept, '*/*');
    assert.equal(lines[2]?.password, '[REDACTED]');
    assertNoSecret(out.text());
  });

  it('masks credentials inside messages, string fields and errors', () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    log.warn('connect to ftp://bob:s3cret-pass@ftp.example.com:21/out failed');
    log.warn({ url: 'ftps://bob:s3cret-pass@h/', auth: 'Bearer tok-xyz' }, 'bad config');
    log.error({ err: new Error('login with ftp://bob:s3cret-pass@h failed') }, 'boom');
    assertNoSecret(out.text());
    assert.match(out.text(), /ftp:\/\/bob:\*\*\*@ftp\.example\.com/);
    assert.equal(scrubSecrets('ftp://u:p@h/x and Basic dTpw'), 'ftp://u:***@h/x and Basic ***');
  });

  it('masks the configured secrets where a caller typed them (a path, an echoing 550), raw or percent-encoded', () => {
    const out = capture();
    const password = 'pa ss/w0rd';
    const log = createLogger('debug', out.stream, {
      secrets: configSecrets({
        servers: [
          { password, account: 'acct-S3cret' },
          { password: null, account: null },
        ],
        auth: { apiKeys: [{ key: 'k3y-abc' }] },
        watches: [{ secret: 'wh-secret-0123456789', url: 'https://u:hook-pass@h.example/x?token=hook-token-42' }],
      } as never),
    });
    log.info({ path: `/api/v1/servers/s/dirs/${encodeURIComponent(password)}/` }, 'request completed');
    log.info({ err: { command: 'CWD', reply: `550 /srv/${password}: No such file or directory` } }, 'request failed');
    log.warn({ err: Object.assign(new Error(`DELE failed: 550 /srv/${password}/k3y-abc`), { ftpMessage: `550 ${password}` }) }, 'boom');
    log.warn(`typed ${password}`);
    log.warn('ACCT answered: 530 acct-S3cret unknown');
    // (v1.1) A webhook's HMAC key, and a password or token in its URL.
    log.warn({ watch: { secret: 'wh-secret-0123456789' } }, 'webhook wh-secret-0123456789 hook-pass hook-token-42');
    const text = out.text();
    assert.ok(!text.includes(password) && !text.includes(encodeURIComponent(password)) && !text.includes('k3y-abc'), text);
    assert.ok(!text.includes('acct-S3cret'), 'the ACCT account is a secret like the password');
    for (const secret of ['wh-secret-0123456789', 'hook-pass', 'hook-token-42']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    assert.match(text, /550 \/srv\/\[REDACTED\]: No such file or directory/, 'the reply itself stays readable');
    // Too short to mask without garbling every line.
    const short = capture();
    createLogger('info', short.stream, { secrets: ['abc'] }).info('abc stays');
    assert.equal(short.lines()[0]?.msg, 'abc stays');
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger('warn', out.stream);
    log.info('quiet');
    log.warn('loud');
    assert.deepEqual(
      out.lines().map((l) => l.msg),
      ['loud'],
    );
  });
});

describe('subscribeFtpLogging', () => {
  it('logs commands, replies, sessions and transfers at debug, with PASS masked even when it arrives unmasked', () => {
    const out = capture();
    const log = createLogger('debug', out.stream);
    const unsubscribe = subscribeFtpLogging(log);
    try {
      ftpChannels.session.publish({ sessionId: 7, host: '127.0.0.1', port: 2121, event: 'open' });
      ftpChannels.command.publish({ sessionId: 7, host: '127.0.0.1', verb: 'USER', text: 'USER bob' });
      ftpChannels.command.publish({ sessionId: 7, host: '127.0.0.1', verb: 'PASS', text: 'PASS s3cret-pass' });
      ftpChannels.command.publish({ sessionId: 7, host: '127.0.0.1', verb: 'pass', text: 'pass s3cret-pass' });
      ftpChannels.reply.publish({ sessionId: 7, host: '127.0.0.1', verb: 'PASS', code: 230, message: 'Login successful.' });
      ftpChannels.transfer.publish({
        sessionId: 7,
        host: '127.0.0.1',
        direction: 'upload',
        method: 'EPSV',
        type: 'binary',
        bytes: 5,
        durationMs: 1,
        ok: true,
      });
      ftpChannels.session.publish({ sessionId: 7, host: '127.0.0.1', port: 2121, event: 'close', reason: 'QUIT' });
    } finally {
      unsubscribe();
    }
    ftpChannels.command.publish({ sessionId: 7, host: '127.0.0.1', verb: 'NOOP', text: 'NOOP' });
    const lines = out.lines();
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['ftp session open', 'ftp command', 'ftp command', 'ftp command', 'ftp reply', 'ftp transfer', 'ftp session close'],
    );
    assert.ok(lines.every((l) => l.level === 20 && l.component === 'ftp'));
    assert.equal(lines[1]?.command, 'USER bob');
    assert.equal(lines[2]?.command, 'PASS ****');
    assert.equal(lines[4]?.code, 230);
    assertNoSecret(out.text());
  });

  it('logs what is learned about a server at info, with where it came from', () => {
    const out = capture();
    const unsubscribe = subscribeFtpLogging(createLogger('info', out.stream));
    try {
      ftpChannels.server.publish({ sessionId: 9, host: '127.0.0.1', port: 2121, fact: 'pipelining', value: false, how: 'probe' });
    } finally {
      unsubscribe();
    }
    const lines = out.lines();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.msg, 'ftp server learned');
    assert.equal(lines[0]?.level, 30);
    assert.equal(lines[0]?.pipelining, false);
    assert.equal(lines[0]?.how, 'probe');
    assert.equal(lines[0]?.port, 2121);
  });

  it('logs a server profile change at debug: the server, the fact and its new value', () => {
    const out = capture();
    const unsubscribe = subscribeFtpLogging(createLogger('debug', out.stream));
    try {
      const profile = createServerKnowledge({ name: 'partner', host: 'ftp.example.com', port: 21 });
      profile.learnDataMethod('PORT', 'refused', 500);
      profile.learnDataMethod('PORT', 'refused', 500);
    } finally {
      unsubscribe();
    }
    const lines = out.lines();
    assert.equal(lines.length, 1, 'once per change');
    assert.equal(lines[0]?.msg, 'ftp server profile changed');
    assert.equal(lines[0]?.level, 20);
    assert.equal(lines[0]?.server, 'partner');
    assert.equal(lines[0]?.fact, 'dataMethods.PORT');
    assert.equal(lines[0]?.value, 'refused (500)');
  });

  it('leaves the conversation channels without a subscriber above debug level, so the FTP layer builds no event for them', () => {
    const info = subscribeFtpLogging(createLogger('info', capture().stream));
    assert.equal(ftpChannels.command.hasSubscribers, false);
    assert.equal(ftpChannels.transfer.hasSubscribers, false);
    assert.equal(ftpChannels.server.hasSubscribers, true, 'learned facts are logged at info');
    info();
    const debug = subscribeFtpLogging(createLogger('debug', capture().stream));
    assert.equal(ftpChannels.command.hasSubscribers, true);
    debug();
    assert.equal(ftpChannels.command.hasSubscribers, false);
  });

  it('writes nothing above debug level', () => {
    const out = capture();
    const unsubscribe = subscribeFtpLogging(createLogger('info', out.stream));
    ftpChannels.command.publish({ sessionId: 8, host: 'h', verb: 'NOOP', text: 'NOOP' });
    unsubscribe();
    assert.equal(out.text(), '');
  });
});

describe('requestIdFrom', () => {
  it('keeps a sane id and replaces anything else', () => {
    assert.equal(requestIdFrom('abc-123_X.y'), 'abc-123_X.y');
    assert.equal(requestIdFrom('a'.repeat(64)), 'a'.repeat(64));
    for (const bad of ['a'.repeat(65), 'a b', 'x\ny', '', '{"msg":1}', undefined, ['a', 'b']]) {
      assert.match(requestIdFrom(bad), /^[0-9a-f]{8}-[0-9a-f]{4}-/, String(bad));
    }
  });
});

describe('requestLogger', () => {
  async function serve(app: express.Express): Promise<{ url: string; close(): Promise<void> }> {
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  it('a client that hangs up after the whole declared body is not logged as aborted; one that hangs up early is', async () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    const app = express();
    app.use(requestLogger(log));
    // Like a download: the body goes out whole, the response ends later (after
    // the FTP 226), here once the client has hung up.
    app.get('/whole', (_req, res) => {
      res.setHeader('Content-Length', '5');
      res.write('hello');
      res.once('close', () => res.end());
    });
    app.get('/short', (_req, res) => {
      res.setHeader('Content-Length', '10');
      res.write('hello');
      res.once('close', () => res.end());
    });
    const { url, close } = await serve(app);
    const http = await import('node:http');
    const fetchAndHangUp = (path: string, after: number): Promise<void> =>
      new Promise((resolve) => {
        const req = http.get(`${url}${path}`, { agent: false }, (res) => {
          let got = 0;
          res.on('data', (c: Buffer) => {
            got += c.length;
            if (got >= after) {
              req.destroy();
              resolve();
            }
          });
        });
        req.on('error', () => resolve());
      });
    try {
      await fetchAndHangUp('/whole', 5);
      await fetchAndHangUp('/short', 5);
      for (let i = 0; i < 100 && out.lines().filter((l) => l.msg === 'request completed').length < 2; i++)
        await new Promise((r) => setTimeout(r, 10));
    } finally {
      await close();
    }
    const done = out.lines().filter((l) => l.msg === 'request completed');
    assert.equal(done.find((l) => l.path === '/whole')?.aborted, undefined);
    assert.equal(done.find((l) => l.path === '/short')?.aborted, true);
  });

  it('req.log (pino-http) keeps the gateway logger: reqId bound, errors and configured secrets scrubbed', async () => {
    const out = capture();
    const log = createLogger('info', out.stream, { secrets: ['s3cret-pass'] });
    const app = express();
    app.use(requestLogger(log));
    let bindings: unknown;
    app.get('/x', (req, res) => {
      bindings = req.log.bindings();
      req.log.warn({ err: new Error('login to ftp://bob:s3cret-pass@h failed'), reply: '530 s3cret-pass refused' }, 'login failed');
      res.end();
    });
    const { url, close } = await serve(app);
    try {
      const r = await fetch(`${url}/x`, { headers: { 'X-Request-Id': 'req-2' } });
      assert.equal(r.headers.get('x-request-id'), 'req-2');
    } finally {
      await close();
    }
    assert.deepEqual(bindings, { reqId: 'req-2' });
    const line = out.lines().find((l) => l.msg === 'login failed');
    assert.equal(line?.reqId, 'req-2');
    assert.match(String((line?.err as { message?: unknown } | undefined)?.message), /ftp:\/\/bob:\*\*\*@h/);
    assertNoSecret(out.text());
  });

  it('logs one line per request with the route pattern, no query, and the bytes sent; echoes a valid X-Request-Id', async () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    const completed: Array<{ route: string; status: number }> = [];
    const app = express();
    app.use(requestLogger(log, { onComplete: (info) => completed.push({ route: info.route, status: info.status }) }));
    const api = express.Router();
    api.get('/servers/:server/files/*path', (req, res) => {
      req.log.info('inside');
      res.type('text/plain').send('hello');
    });
    api.get('/fail/:x', (_req, _res, next) => next(new Error('nope')));
    app.use('/api/v1', api);
    app.use((err: Error, req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ detail: err.message, route: routeOf(req) });
    });
    const { url, close } = await serve(app);
    try {
      const ok = await fetch(`${url}/api/v1/servers/default/files/a/b.txt?api_key=k3y-abc&mode=passive`, {
        headers: { 'X-Request-Id': 'req-1', Authorization: 'Bearer tok-xyz', Cookie: 'sid=c00kie' },
      });
      assert.equal(await ok.text(), 'hello');
      assert.equal(ok.headers.get('x-request-id'), 'req-1');
      const failed = await fetch(`${url}/api/v1/fail/zzz`, { headers: { 'X-Request-Id': 'bad id\u00e9' } });
      assert.equal(failed.status, 500);
      assert.deepEqual((await failed.json()) as unknown, { detail: 'nope', route: '/api/v1/fail/:x' });
      const generated = failed.headers.get('x-request-id') ?? '';
      assert.match(generated, /^[0-9a-f-]{36}$/);
      const missing = await fetch(`${url}/nowhere?x=1`);
      assert.equal(missing.status, 404);
    } finally {
      await close();
    }
    // 'finish' may fire after the client has read the response.
    for (let i = 0; i < 50 && out.lines().filter((l) => l.msg === 'request completed').length < 3; i++)
      await new Promise((r) => setTimeout(r, 10));
    const lines = out.lines();
    const inside = lines.find((l) => l.msg === 'inside');
    assert.equal(inside?.reqId, 'req-1');
    const done = lines.filter((l) => l.msg === 'request completed');
    assert.equal(done.length, 3);
    assert.deepEqual(
      done.map((l) => [l.method, l.route, l.path, l.status]),
      [
        ['GET', '/api/v1/servers/:server/files/*path', '/api/v1/servers/default/files/a/b.txt', 200],
        ['GET', '/api/v1/fail/:x', '/api/v1/fail/zzz', 500],
        ['GET', 'unmatched', '/nowhere', 404],
      ],
    );
    assert.equal(done[0]?.bytes, 5);
    assert.equal(done[0]?.reqId, 'req-1');
    assert.equal(typeof done[0]?.durationMs, 'number');
    assert.deepEqual(completed, [
      { route: '/api/v1/servers/:server/files/*path', status: 200 },
      { route: '/api/v1/fail/:x', status: 500 },
      { route: 'unmatched', status: 404 },
    ]);
    assertNoSecret(out.text());
    assert.ok(!out.text().includes('api_key'));
  });
});
