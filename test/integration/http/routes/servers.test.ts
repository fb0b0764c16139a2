// GET /api/v1/servers/{server} (the profile) and POST …/diagnose (contract
// v1.1) on every server the suite runs, and the diagnosis' advice on a
// passive-only, an active-only and a TLS-required vsftpd. Every response is
// checked against the OpenAPI document by the harness.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FtpServerKind, FtpServerOptions, RunningFtpServer } from '../../../helpers/servers/index.js';
import { borrowFtpServer } from '../../../helpers/servers/shared.js';
import { ALL_SERVER_KINDS, serverSkip, UNCHROOTED_SERVER_KINDS } from '../../../helpers/requireServers.js';
import {
  chownTree,
  eventually,
  ftpServerConfig,
  gatewayConfig,
  serverConfig,
  startGateway,
  type RunningGateway,
} from '../../../helpers/httpHarness.js';
import { startScriptedServer } from '../../../helpers/scriptedFtpServer.js';
import { DEFAULT_LIMITS, type ServerConfig } from '../../../../src/config/index.js';

interface Profile {
  system: string | null;
  features: string[] | null;
  loginDirectory: string | null;
  dataMethods: Record<string, string>;
  refusedWith: Record<string, number>;
  listing: string | null;
  sizeInAscii: boolean | null;
  listingDialect: string | null;
  learnedAt: string;
}
interface Step {
  step: string;
  ok: boolean;
  ms: number;
  sent?: string;
  reply?: string;
  advice?: string;
}
interface Diagnosis {
  ok: boolean;
  steps: Step[];
  recommendation: { mode: string; tls?: { mode?: string }; pool?: { max: number } };
}

const READ = { 'x-api-key': 'read-key' };
const WRITE = { 'x-api-key': 'write-key' };
const DATA_STEPS = ['EPSV', 'PASV', 'EPRT', 'PORT'];

async function gatewayFor(ftp: RunningFtpServer, over: Partial<ServerConfig> = {}): Promise<RunningGateway> {
  return startGateway(
    gatewayConfig(
      [
        ftpServerConfig(ftp, over),
        ftpServerConfig(ftp, { ...over, name: 'ro', readOnly: true }),
        ftpServerConfig(ftp, { ...over, name: 'pt', user: null, password: null }),
      ],
      {
        auth: {
          apiKeys: [
            { key: 'read-key', scope: 'read' },
            { key: 'write-key', scope: 'write' },
          ],
          disabled: false,
        },
      },
    ),
  );
}

async function diagnose(gw: RunningGateway, server = 'default', headers: Record<string, string> = WRITE): Promise<Diagnosis> {
  const r = await gw.request('POST', `/api/v1/servers/${server}/diagnose`, { headers });
  assert.equal(r.status, 200, r.text());
  return r.json<Diagnosis>();
}

const stepOf = (d: Diagnosis, name: string): Step => {
  const step = d.steps.find((s) => s.step === name);
  assert.ok(step, `step ${name} in ${d.steps.map((s) => s.step).join(', ')}`);
  return step;
};

for (const kind of [...ALL_SERVER_KINDS, ...UNCHROOTED_SERVER_KINDS] as FtpServerKind[]) {
  describe(`server profile and diagnosis on ${kind}`, serverSkip(kind), () => {
    let ftp: RunningFtpServer;
    let gw: RunningGateway;
    before(async () => {
      ftp = await borrowFtpServer(kind);
      writeFileSync(join(ftp.root, 'a.txt'), 'a');
      chownTree(ftp.root);
      gw = await gatewayFor(ftp);
    });
    after(async () => {
      await gw?.close();
      await ftp?.stop();
    });

    test('the profile is null before any session, then holds what a listing learned, and never the password', async () => {
      const first = await gw.request('GET', '/api/v1/servers/default', { headers: READ });
      assert.equal(first.status, 200);
      assert.equal(first.json<{ profile: unknown }>().profile, null);

      assert.equal((await gw.request('GET', '/api/v1/servers/default/dirs/', { headers: READ })).status, 200);
      const r = await gw.request('GET', '/api/v1/servers/default', { headers: READ });
      assert.equal(r.status, 200);
      assert.ok(!r.text().includes(ftp.password), 'no password in the profile');
      const body = r.json<{ name: string; host: string; profile: Profile }>();
      assert.equal(body.name, 'default');
      const p = body.profile;
      assert.ok(Array.isArray(p.features), 'FEAT was read');
      assert.equal(p.loginDirectory, ftp.ftpRoot);
      assert.equal(p.listing, ftp.features.mlsd ? 'MLSD' : 'LIST');
      assert.ok(p.listingDialect !== null, 'a dialect read a.txt');
      assert.ok(Object.values(p.dataMethods).includes('works'), JSON.stringify(p.dataMethods));
      assert.ok(!Number.isNaN(Date.parse(p.learnedAt)));
    });

    test('diagnose: write scope only; every step, PASS masked, advice-free on a server where everything works', async () => {
      const denied = await gw.request('POST', '/api/v1/servers/default/diagnose', { headers: READ });
      assert.equal(denied.status, 403);
      const r = await gw.request('POST', '/api/v1/servers/default/diagnose', { headers: WRITE });
      assert.equal(r.status, 200, r.text());
      assert.ok(!r.text().includes(ftp.password), 'no password in the diagnosis');
      const d = r.json<Diagnosis>();
      assert.deepEqual(
        d.steps.map((s) => s.step),
        ['connect', 'greeting', 'login', 'SYST', 'FEAT', 'PWD', 'root', ...DATA_STEPS, 'SIZE in ASCII'],
      );
      assert.match(stepOf(d, 'SIZE in ASCII').sent ?? '', /^TYPE A\nSIZE .*a\.txt\nTYPE I$/);
      assert.equal(stepOf(d, 'login').sent, `USER ${ftp.user}\nPASS ***`);
      assert.match(stepOf(d, 'greeting').reply ?? '', /^220/);
      const passive = stepOf(d, 'EPSV').ok || stepOf(d, 'PASV').ok;
      assert.ok(passive, 'passive works everywhere here');
      assert.equal(d.ok, true);
      for (const s of d.steps) if (s.step !== 'SYST' && s.step !== 'FEAT' && !DATA_STEPS.includes(s.step)) assert.equal(s.ok, true, s.step);
      const active = stepOf(d, 'EPRT').ok || stepOf(d, 'PORT').ok;
      assert.equal(d.recommendation.mode, active ? 'auto' : 'passive');

      // What the diagnosis learned is in the profile: SYST, and every data method tried.
      const p = (await gw.request('GET', '/api/v1/servers/default', { headers: READ })).json<{ profile: Profile }>().profile;
      assert.ok(p.system === null ? !stepOf(d, 'SYST').ok : stepOf(d, 'SYST').reply?.includes(p.system), String(p.system));
      for (const m of DATA_STEPS) assert.notEqual(p.dataMethods[m], 'untried', m);
      assert.equal(p.sizeInAscii, /^213 /m.test(stepOf(d, 'SIZE in ASCII').reply ?? ''), 'SIZE in TYPE A, as the step saw it');
    });

    test('no key → 401; a read-only server may be diagnosed; a pass-through one asks for Basic; an unknown one is 404', async () => {
      assert.equal((await gw.request('GET', '/api/v1/servers/default')).status, 401);
      assert.equal((await gw.request('POST', '/api/v1/servers/default/diagnose')).status, 401);
      assert.equal((await diagnose(gw, 'ro')).ok, true);
      const pt = await gw.request('POST', '/api/v1/servers/pt/diagnose', { headers: WRITE });
      assert.equal(pt.status, 401);
      assert.match(String(pt.headers['www-authenticate']), /^Basic/);
      for (const [method, path] of [
        ['GET', '/api/v1/servers/nope'],
        ['POST', '/api/v1/servers/nope/diagnose'],
      ] as const) {
        assert.equal((await gw.request(method, path, { headers: WRITE })).status, 404);
      }
    });
  });
}

describe('pass-through: the profile shows the caller their own login directory only', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  before(async () => {
    ftp = await borrowFtpServer('vsftpd', { chroot: false });
    gw = await gatewayFor(ftp);
  });
  after(async () => {
    await gw?.close();
    await ftp?.stop();
  });

  test('with Basic after a listing: the login directory; without: null; never the password', async () => {
    const basic = `Basic ${Buffer.from(`${ftp.user}:${ftp.password}`).toString('base64')}`;
    const headers = { ...READ, authorization: basic };
    assert.equal((await gw.request('GET', '/api/v1/servers/pt/dirs/', { headers })).status, 200);
    const mine = await gw.request('GET', '/api/v1/servers/pt', { headers });
    assert.equal(mine.json<{ profile: Profile }>().profile.loginDirectory, ftp.ftpRoot);
    const anyone = await gw.request('GET', '/api/v1/servers/pt', { headers: READ });
    assert.equal(anyone.json<{ profile: Profile }>().profile.loginDirectory, null);
    for (const r of [mine, anyone]) assert.ok(!r.text().includes(ftp.password));
    const d = await diagnose(gw, 'pt', { ...WRITE, authorization: basic });
    assert.equal(d.ok, true);
    assert.equal(stepOf(d, 'login').sent, `USER ${ftp.user}\nPASS ***`);
    // Not chrooted: the login directory is a host path, and the advice says what the URL root then means.
    assert.match(stepOf(d, 'PWD').advice ?? '', /%2F/);
  });
});

const ADVICE_CASES: Array<{ title: string; options: FtpServerOptions; over?: (ftp: RunningFtpServer) => Partial<ServerConfig> }> = [
  { title: 'passive-only', options: { dataModes: 'passive-only' } },
  { title: 'active-only', options: { dataModes: 'active-only' } },
  { title: 'TLS-required, configured without TLS', options: { tls: 'explicit-required' } },
  {
    title: 'TLS-required, configured with explicit TLS and its CA',
    options: { tls: 'explicit-required' },
    over: (ftp) => ({ tls: { mode: 'explicit', rejectUnauthorized: true, ca: ftp.caPem ?? null, maxVersion: null } }),
  },
  { title: 'PASV naming a private address', options: { pasvAddress: '10.11.12.13' } },
  {
    title: 'TLS-required, configured with explicit TLS but not its CA',
    options: { tls: 'explicit-required' },
    over: () => ({ tls: { mode: 'explicit', rejectUnauthorized: true, ca: null, maxVersion: null } }),
  },
];

describe('diagnosis advice on vsftpd', serverSkip('vsftpd'), () => {
  for (const c of ADVICE_CASES) {
    describe(c.title, () => {
      let ftp: RunningFtpServer;
      let gw: RunningGateway;
      let d: Diagnosis;
      before(async () => {
        ftp = await borrowFtpServer('vsftpd', c.options);
        gw = await gatewayFor(ftp, c.over?.(ftp) ?? {});
        d = await diagnose(gw);
      });
      after(async () => {
        await gw?.close();
        await ftp?.stop();
      });

      if (c.title === 'passive-only') {
        test('PORT and EPRT refused → use passive mode', () => {
          for (const m of ['EPRT', 'PORT']) {
            const s = stepOf(d, m);
            assert.equal(s.ok, false);
            assert.match(s.reply ?? '', /^550/m);
            assert.match(s.advice ?? '', /use passive mode \(mode: passive\)/);
          }
          assert.equal(d.ok, true);
          assert.deepEqual(d.recommendation, { mode: 'passive' });
        });
      }
      if (c.title === 'active-only') {
        test('EPSV and PASV refused → use active mode', () => {
          assert.equal(stepOf(d, 'EPSV').ok, false);
          assert.match(stepOf(d, 'PASV').advice ?? '', /use active mode \(mode: active\)/);
          assert.ok(stepOf(d, 'EPRT').ok || stepOf(d, 'PORT').ok);
          assert.equal(d.ok, true);
          assert.deepEqual(d.recommendation, { mode: 'active' });
        });
      }
      if (c.title === 'TLS-required, configured without TLS') {
        test('530 at login → tls.mode: explicit, and nothing runs after it', () => {
          const login = stepOf(d, 'login');
          assert.equal(login.ok, false);
          assert.match(login.reply ?? '', /^530/m);
          assert.match(login.advice ?? '', /tls\.mode: explicit/);
          assert.equal(d.ok, false);
          assert.equal(d.recommendation.tls?.mode, 'explicit');
          assert.equal(d.steps.at(-1)?.step, 'login');
        });
      }
      if (c.title === 'TLS-required, configured with explicit TLS and its CA') {
        test('TLS and PROT P steps succeed and every data method lists over TLS', () => {
          assert.deepEqual(
            d.steps.map((s) => s.step),
            ['connect', 'greeting', 'TLS', 'login', 'PROT P', 'SYST', 'FEAT', 'PWD', 'root', ...DATA_STEPS, 'TLS session reuse'],
          );
          assert.equal(stepOf(d, 'TLS').sent, 'AUTH TLS');
          for (const m of DATA_STEPS) assert.equal(stepOf(d, m).ok, true, m);
          assert.equal(d.ok, true);
          assert.deepEqual(d.recommendation, { mode: 'auto' });
        });

        test('TLS session reuse: vsftpd (require_ssl_reuse=YES) refuses a data connection that does not resume; learned into the profile', async () => {
          const reuse = stepOf(d, 'TLS session reuse');
          assert.equal(reuse.ok, true);
          assert.match(reuse.reply ?? '', /^522 .*reuse/im);
          assert.match(reuse.advice ?? '', /always resumes it: nothing to change/);
          const p = (await gw.request('GET', '/api/v1/servers/default', { headers: READ })).json<{
            profile: { tlsSessionReuse: boolean | null };
          }>();
          assert.equal(p.profile.tlsSessionReuse, true);
        });
      }
      if (c.title === 'PASV naming a private address') {
        test("PASV names 10.11.12.13 → the control peer's address is used, and why; nothing to change", () => {
          const pasv = stepOf(d, 'PASV');
          assert.equal(pasv.ok, true);
          assert.match(pasv.reply ?? '', /\(10,11,12,13,/);
          assert.match(pasv.advice ?? '', /10\.11\.12\.13, a private address .*127\.0\.0\.1 instead.*nothing to change/);
          assert.equal(stepOf(d, 'EPSV').advice, undefined);
          assert.deepEqual(d.recommendation, { mode: 'auto' });
        });
      }
      if (c.title === 'TLS-required, configured with explicit TLS but not its CA') {
        test('a certificate that does not verify → tls.ca', () => {
          const tls = stepOf(d, 'TLS');
          assert.equal(tls.ok, false);
          assert.match(tls.advice ?? '', /tls\.ca/);
          assert.equal(d.ok, false);
        });
      }
    });
  }
});

describe('diagnosis on a vsftpd that takes one session at a time', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let gw: RunningGateway;
  before(async () => {
    ftp = await borrowFtpServer('vsftpd', { maxClients: 1 });
    gw = await gatewayFor(ftp);
  });
  after(async () => {
    await gw?.close();
    await ftp?.stop();
  });

  test('421 at the greeting while the pool holds the one session → the session limit, with pool and replica arithmetic', async () => {
    // The listing leaves its session idle in the pool: the server's only slot.
    assert.equal((await gw.request('GET', '/api/v1/servers/default/dirs/', { headers: READ })).status, 200);
    const d = await diagnose(gw);
    const greeting = stepOf(d, 'greeting');
    assert.equal(greeting.ok, false);
    assert.match(greeting.reply ?? '', /^421/);
    assert.match(greeting.advice ?? '', /held 1: the server allows about 1 at once.*pool\.max × replicas ≤ 1/);
    assert.equal(d.ok, false);
    assert.deepEqual(d.recommendation.pool, { max: 1 });
    const p = (await gw.request('GET', '/api/v1/servers/default', { headers: READ })).json<{ profile: { sessionLimit: number | null } }>();
    assert.equal(p.profile.sessionLimit, 1);
  });
});

// No real server hangs on demand: a scripted peer that never greets, and one that goes silent after login.
describe('a server that hangs gives a failed step, never a hung request', () => {
  const quick = { connectMs: 400, commandMs: 400, dataMs: 400 };

  test('no greeting: connect ok, greeting failed with advice, nothing after it', async () => {
    const peer = await startScriptedServer(() => undefined, { greeting: null });
    const gw = await startGateway(gatewayConfig([serverConfig({ host: '127.0.0.1', port: peer.port, timeouts: quick })]));
    try {
      const d = await diagnose(gw, 'default', {});
      assert.deepEqual(
        d.steps.map((s) => [s.step, s.ok]),
        [
          ['connect', true],
          ['greeting', false],
        ],
      );
      assert.match(stepOf(d, 'greeting').advice ?? '', /no greeting.*tls\.mode: implicit/);
      assert.equal(d.ok, false);
    } finally {
      await gw.close();
      await peer.close();
    }
  });

  test('silent after login: SYST fails on its timeout, the root on a fresh session too, and the run ends there', async () => {
    const peer = await startScriptedServer(() => undefined);
    const gw = await startGateway(gatewayConfig([serverConfig({ host: '127.0.0.1', port: peer.port, timeouts: quick })]));
    try {
      const d = await diagnose(gw, 'default', {});
      assert.deepEqual(
        d.steps.map((s) => [s.step, s.ok]),
        [
          ['connect', true],
          ['greeting', true],
          ['login', true],
          ['SYST', false],
          ['root', false],
        ],
      );
      assert.equal(stepOf(d, 'login').sent, 'USER user\nPASS ***');
      assert.equal(d.ok, false);
      assert.ok(!JSON.stringify(d).includes('secret'), 'the configured password appears nowhere');
    } finally {
      await gw.close();
      await peer.close();
    }
  });
});

describe('a diagnosis counts against limits.maxTransfersPerKey', () => {
  test('while one runs (its server not greeting yet), the same caller gets 429 for another', async () => {
    const peer = await startScriptedServer(() => undefined, { greeting: null });
    const gw = await startGateway(
      gatewayConfig(
        [serverConfig({ host: '127.0.0.1', port: peer.port, timeouts: { connectMs: 2_000, commandMs: 2_000, dataMs: 2_000 } })],
        {
          limits: { ...DEFAULT_LIMITS, maxTransfersPerKey: 1 },
        },
      ),
    );
    try {
      const first = gw.request('POST', '/api/v1/servers/default/diagnose');
      await eventually(() => peer.connections.length === 1);
      const second = await gw.request('POST', '/api/v1/servers/default/diagnose');
      assert.equal(second.status, 429);
      assert.equal(second.headers['retry-after'], '1');
      assert.equal((await first).status, 200);
      assert.equal(peer.connections.length, 1, 'the refused one opened no connection');
    } finally {
      await gw.close();
      await peer.close();
    }
  });
});
