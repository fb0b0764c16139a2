import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectFailedError, replyError, tlsError } from '../../../src/ftp/errors.js';
import type { FtpDiagnosisStep } from '../../../src/ftp/index.js';
import { adviseSteps, isPrivate, recommend, type AdviceContext } from '../../../src/gateway/diagnosisAdvice.js';
import { serverConfig } from '../../helpers/httpHarness.js';

const ok = (step: FtpDiagnosisStep['step'], extra: Partial<FtpDiagnosisStep> = {}): FtpDiagnosisStep => ({
  step,
  ok: true,
  ms: 1,
  ...extra,
});
const refused = (step: FtpDiagnosisStep['step'], code: number, text: string, verb: string = step): FtpDiagnosisStep => ({
  step,
  ok: false,
  ms: 1,
  code,
  reply: `${code} ${text}`,
  error: replyError(verb, code, `${code} ${text}`),
});

function context(over: Partial<AdviceContext> = {}): AdviceContext {
  return {
    config: serverConfig({ host: 'ftp.example.com', port: 21 }),
    passThrough: false,
    peerAddress: '203.0.113.5',
    loginDirectory: '/',
    listedPath: '/',
    openSessions: 0,
    sessionLimit: null,
    ...over,
  };
}

const CONTROL_OK = [ok('connect'), ok('greeting'), ok('login'), ok('SYST'), ok('FEAT'), ok('PWD'), ok('root')];

function adviceOf(steps: FtpDiagnosisStep[], ctx = context()): Record<string, string> {
  const advice = adviseSteps(steps, ctx);
  return Object.fromEntries(steps.filter((s) => advice.has(s)).map((s) => [s.step, advice.get(s) as string]));
}

describe('diagnosis advice (what no server of the suite does)', () => {
  test('EPSV refused but PASV works: nothing to change; PORT "500 Illegal PORT command": use passive', () => {
    const steps = [
      ...CONTROL_OK,
      refused('EPSV', 500, 'Unknown command.'),
      ok('PASV'),
      refused('EPRT', 500, 'Unknown command.'),
      refused('PORT', 500, 'Illegal PORT command.'),
    ];
    const a = adviceOf(steps);
    assert.match(a.EPSV ?? '', /refuses \(500\) EPSV but PASV works.*nothing to change/);
    assert.match(a.PORT ?? '', /use passive mode \(mode: passive\)/);
    assert.match(a.PORT ?? '', /Illegal PORT command/);
    assert.equal(a.PASV, undefined);
    assert.deepEqual(recommend(steps, context()), { mode: 'passive' });
  });

  test('a PASV naming another public address: the control peer is used, and the reason', () => {
    const steps = [...CONTROL_OK, ok('EPSV'), ok('PASV', { pasvAddress: '198.51.100.7' })];
    assert.match(adviceOf(steps).PASV ?? '', /198\.51\.100\.7, not the address the gateway connected to.*203\.0\.113\.5 instead.*RFC 2577/);
  });

  test('522 on PROT P data connections everywhere → TLS session reuse, tls.maxVersion: TLSv1.2', () => {
    const tlsConfig = serverConfig({
      host: 'h',
      port: 21,
      tls: { mode: 'explicit', rejectUnauthorized: true, ca: null, maxVersion: null },
    });
    const ctx = context({ config: tlsConfig });
    const fail = (m: FtpDiagnosisStep['step']): FtpDiagnosisStep =>
      refused(m, 522, 'SSL connection failed: session reuse required', 'LIST');
    const steps = [...CONTROL_OK, fail('EPSV'), fail('PASV'), fail('EPRT'), fail('PORT')];
    assert.match(adviceOf(steps, ctx).PASV ?? '', /resume the control connection's TLS session.*tls\.maxVersion: TLSv1\.2/);
    assert.deepEqual(recommend(steps, ctx), { mode: 'auto', tls: { maxVersion: 'TLSv1.2' } });
  });

  test('a login refused for capacity with no session of ours open: other clients hold the server', () => {
    const steps = [
      ok('connect'),
      ok('greeting'),
      refused('login', 530, 'Sorry, the maximum number of clients (3) from your host are already connected.', 'PASS'),
    ];
    assert.match(adviceOf(steps).login ?? '', /held no session to it: other clients/);
    assert.deepEqual(recommend(steps, context()), { mode: 'auto' });
  });

  test('a limit learned earlier, below pool.max, is advised on a login that worked, with the arithmetic', () => {
    const ctx = context({ sessionLimit: 3 });
    assert.match(adviceOf(CONTROL_OK, ctx).login ?? '', /about 3 at once.*pool\.max: 3; two, 1/);
    assert.deepEqual(recommend(CONTROL_OK, ctx).pool, { max: 3 });
  });

  test('a wrong password is not a TLS problem; a connection refused names the errno', () => {
    const steps = [ok('connect'), ok('greeting'), refused('login', 530, 'Login incorrect.', 'PASS')];
    assert.match(adviceOf(steps).login ?? '', /refused the configured user and password/);
    assert.equal(recommend(steps, context()).tls, undefined);
    const err = connectFailedError({ host: 'h', port: 21 }, Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
    assert.match(adviceOf([{ step: 'connect', ok: false, ms: 1, error: err }]).connect ?? '', /failed \(ECONNREFUSED\)/);
  });

  test('an implicit-TLS handshake on a plain server → explicit or none', () => {
    const config = serverConfig({ host: 'h', port: 21, tls: { mode: 'implicit', rejectUnauthorized: true, ca: null, maxVersion: null } });
    const err = tlsError(Object.assign(new Error('wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }));
    assert.match(
      adviceOf([ok('connect'), { step: 'TLS', ok: false, ms: 1, error: err }], context({ config })).TLS ?? '',
      /tls\.mode: explicit/,
    );
  });

  test('private addresses: RFC 1918, CGNAT and loopback, not public ones', () => {
    for (const a of ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '127.0.0.1'])
      assert.equal(isPrivate(a), true, a);
    for (const a of ['172.32.0.1', '8.8.8.8', '198.51.100.7', '100.128.0.1']) assert.equal(isPrivate(a), false, a);
  });
});
