import type { ServerConfig } from '../config/index.js';
import { isCapacitySignal, type FtpDiagnosisStep, type FtpError } from '../ftp/index.js';

/** What the advice needs besides the steps: the configuration and what this gateway knows of the server. */
export interface AdviceContext {
  config: ServerConfig;
  passThrough: boolean;
  /** The control connection's peer address. */
  peerAddress: string | null;
  loginDirectory: string | null;
  /** The folder the data steps listed. */
  listedPath: string | null;
  /** Sessions this gateway held to the server when the diagnosis ran. */
  openSessions: number;
  /** The profile's session limit (learned from earlier 421s). */
  sessionLimit: number | null;
}

/** The settings to put in the server's configuration (only what should change, apart from `mode`). */
export interface Recommendation {
  mode: ServerConfig['mode'];
  tls?: { mode?: ServerConfig['tls']['mode']; maxVersion?: 'TLSv1.2' };
  pool?: { max: number };
}

const PASSIVE = ['EPSV', 'PASV'] as const;
const ACTIVE = ['EPRT', 'PORT'] as const;

/** Node's certificate verification failures (tls.TLSSocket#authorizationError codes). */
const CERT_CODES =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;
/** A login refused because the session is not encrypted: vsftpd "530 Non-anonymous sessions must use encryption.", proftpd "550 SSL/TLS required on the control channel", RFC 4217 §11 534. */
const TLS_REQUIRED = /TLS|SSL|encrypt|secure/i;

/**
 * Advice in plain words for each step that has any, from the step's
 * outcome and the other steps (EPSV refused but PASV working is no problem
 * at all). Pure: what it says follows from its input only.
 */
export function adviseSteps(steps: readonly FtpDiagnosisStep[], ctx: AdviceContext): Map<FtpDiagnosisStep, string> {
  const advice = new Map<FtpDiagnosisStep, string>();
  const byName = new Map(steps.map((s) => [s.step, s]));
  const works = (names: readonly string[]): boolean => names.some((n) => byName.get(n as FtpDiagnosisStep['step'])?.ok === true);
  for (const step of steps) {
    const text = adviseStep(step, ctx, { passive: works(PASSIVE), active: works(ACTIVE), byName });
    if (text) advice.set(step, text);
  }
  return advice;
}

interface Others {
  passive: boolean;
  active: boolean;
  byName: Map<string, FtpDiagnosisStep>;
}

function adviseStep(step: FtpDiagnosisStep, ctx: AdviceContext, others: Others): string | undefined {
  const err = step.error;
  const c = ctx.config;
  switch (step.step) {
    case 'connect':
      if (step.ok) return undefined;
      if (err?.code === 'FTP_TIMEOUT')
        return `No TCP connection to ${c.host}:${c.port} within ${c.timeouts.connectMs} ms: check the host name, the port and any firewall between the gateway and the server.`;
      return `The TCP connection to ${c.host}:${c.port} failed${errno(err)}: check the host name and the port (21 for FTP and explicit TLS, usually 990 for implicit TLS).`;
    case 'greeting':
      if (step.ok) return undefined;
      if (err && isCapacitySignal(err)) return sessionLimitAdvice(step, ctx);
      if (err?.code === 'FTP_TIMEOUT')
        return c.tls.mode === 'none'
          ? 'The server accepted the connection but sent no greeting: a port that speaks TLS from the first byte (990) waits for a TLS handshake — set tls.mode: implicit — or a firewall holds the connection.'
          : 'The server accepted the connection but sent no greeting in time.';
      return `The server refused the session at its greeting (${step.code ?? 'no code'}).`;
    case 'TLS':
      if (step.ok) return undefined;
      return tlsAdvice(step, c.tls.mode);
    case 'login':
      return loginAdvice(step, ctx);
    case 'PROT P':
      if (step.ok) return undefined;
      return `The server refused to protect data connections (PBSZ/PROT P answered ${step.code ?? 'nothing'}): the gateway only moves data over TLS on a TLS session.`;
    case 'SYST':
      return step.ok ? undefined : 'SYST was not answered: nothing to change; listings are read by recognising their lines.';
    case 'FEAT':
      return step.ok
        ? undefined
        : 'The server has no FEAT: the gateway assumes no MLSD and no UTF8 and lists with LIST; nothing to change.';
    case 'PWD':
      return pwdAdvice(step, ctx);
    case 'root':
      if (step.ok) return undefined;
      if (ctx.listedPath === null && ctx.loginDirectory === null && c.root.relativeTo === 'login')
        return 'The root is read relative to the login directory, which the server did not name: start the URL path with %2F to give an absolute root (ftp://host/%2Fdata is /data).';
      return `The root folder could not be entered (${step.code ?? errorCode(err)}): check the URL path. It is read relative to the login directory${
        ctx.loginDirectory ? ` (${ctx.loginDirectory})` : ''
      }; %2F as its first segment makes it absolute.`;
    case 'EPSV':
    case 'PASV':
      return passiveAdvice(step, ctx, others);
    case 'EPRT':
    case 'PORT':
      return activeAdvice(step, ctx, others);
    case 'TLS session reuse':
      if (!step.ok) return undefined;
      return step.reuseRequired
        ? "The server refuses a PROT P data connection that does not resume the control connection's TLS session (vsftpd's require_ssl_reuse, proftpd's default). The gateway always resumes it: nothing to change."
        : undefined;
  }
}

function tlsAdvice(step: FtpDiagnosisStep, mode: ServerConfig['tls']['mode']): string {
  const err = step.error;
  const cause = (err?.cause as { code?: unknown } | undefined)?.code;
  if (typeof cause === 'string' && CERT_CODES.test(cause))
    return `The server's certificate did not verify (${cause}). If your own CA signed it, give that CA's PEM file as tls.ca; tls.rejectUnauthorized: false turns the check off (never in production).`;
  if (mode === 'explicit' && step.code !== undefined && step.code !== 234)
    return `The server does not take AUTH TLS (${step.code}): set tls.mode: none if plain FTP is acceptable, or tls.mode: implicit if it speaks TLS from the first byte (port 990).`;
  if (mode === 'implicit')
    return `The TLS handshake failed${typeof cause === 'string' ? ` (${cause})` : ''}: a server that greets in plain text on this port wants tls.mode: explicit (AUTH TLS) or none, usually on port 21.`;
  return `The TLS handshake failed${typeof cause === 'string' ? ` (${cause})` : ''}: an old server may need tls.maxVersion: TLSv1.2.`;
}

function loginAdvice(step: FtpDiagnosisStep, ctx: AdviceContext): string | undefined {
  const err = step.error;
  if (step.ok) {
    if (ctx.sessionLimit !== null && ctx.sessionLimit < ctx.config.pool.max) return sessionLimitAdvice(step, ctx);
    return undefined;
  }
  if (err && isCapacitySignal(err)) return sessionLimitAdvice(step, ctx);
  const text = err?.ftpMessage ?? '';
  if (ctx.config.tls.mode === 'none' && (step.code === 534 || ((step.code === 530 || step.code === 550) && TLS_REQUIRED.test(text))))
    return 'The server requires TLS before login: set tls.mode: explicit (AUTH TLS, on the same port), or tls.mode: implicit for a server on port 990.';
  if (step.code === 332) return 'The server wants an account (ACCT) after the password; the gateway has none to give.';
  if (step.code === 530)
    return ctx.passThrough
      ? 'The server refused your FTP user and password (530): check the HTTP Basic credentials.'
      : 'The server refused the configured user and password (530): check them in the URL (percent-encode characters such as @ : / in them).';
  if (err?.code === 'FTP_TIMEOUT') return 'The server did not answer the login in time.';
  return undefined;
}

function sessionLimitAdvice(step: FtpDiagnosisStep, ctx: AdviceContext): string {
  const max = ctx.config.pool.max;
  const held = ctx.openSessions;
  const limit = step.ok ? (ctx.sessionLimit ?? held) : Math.max(held, ctx.sessionLimit ?? 0);
  const refused = step.ok ? 'Earlier sessions were turned away (421)' : `The server turned this session away (${step.code ?? 421})`;
  if (limit < 1)
    return `${refused} while this gateway held no session to it: other clients use up the server's sessions; retry later, or ask its operator for more.`;
  return `${refused} while this gateway held ${limit}: the server allows about ${limit} at once from here. Each gateway replica opens up to pool.max (now ${max}), so keep pool.max × replicas ≤ ${limit}: one replica, pool.max: ${limit}; two, ${Math.max(1, Math.floor(limit / 2))}; R replicas, ${limit} ÷ R rounded down.`;
}

function pwdAdvice(step: FtpDiagnosisStep, ctx: AdviceContext): string | undefined {
  const relative = ctx.config.root.relativeTo === 'login';
  if (!step.ok)
    return relative
      ? 'The server did not name its login directory: a root relative to it (the URL path) cannot be placed. Start the URL path with %2F to give an absolute root.'
      : undefined;
  const dir = ctx.loginDirectory;
  if (dir === null || dir === '/') return undefined;
  if (!dir.startsWith('/'))
    return relative
      ? `The login directory ${dir} is not a Unix-style absolute path: a root relative to it cannot be placed. Start the URL path with %2F to give an absolute root.`
      : undefined;
  if (!relative) return `The login directory is ${dir}; the root is absolute (%2F in the URL), so the login directory does not matter.`;
  return `The login directory is ${dir}. The URL path is read from it (RFC 1738, as curl reads it): ftp://host/ is ${dir} and ftp://host/outbox is ${dir}/outbox. Start the path with %2F for an absolute folder: ftp://host/%2Fdata is /data.`;
}

function passiveAdvice(step: FtpDiagnosisStep, ctx: AdviceContext, others: Others): string | undefined {
  const peer = ctx.peerAddress;
  if (step.ok) {
    if (step.step === 'PASV' && step.pasvAddress !== undefined && peer !== null && step.pasvAddress !== peer) {
      const kind = isPrivate(step.pasvAddress)
        ? 'a private address (the server sits behind NAT and names its inside address)'
        : 'not the address the gateway connected to';
      return `PASV named ${step.pasvAddress}, ${kind}. The gateway connects to the control connection's address ${peer} instead, as curl's --ftp-skip-pasv-ip does, and never to a third host (FTP bounce, RFC 2577): nothing to change.`;
    }
    return undefined;
  }
  if (step.step === 'EPSV' && others.byName.get('PASV')?.ok)
    return `The server ${refusedOrFailed(step)} EPSV but PASV works: the gateway falls back to PASV by itself and remembers it; nothing to change.`;
  if (isRefusal(step))
    return others.active
      ? `The server refuses passive mode (${step.step} answered ${step.code}): use active mode (mode: active).`
      : `The server refuses passive mode (${step.step} answered ${step.code}).`;
  if (step.error?.code === 'FTP_TLS' || step.code === 522 || step.code === 425) return dataTlsAdvice(step, ctx);
  return `The passive data connection to ${peer ?? 'the server'} could not be made${errorText(step.error)}: a firewall passes the control port but not the server's passive ports.${
    others.active ? ' Open them, or use active mode (mode: active).' : ' Open them.'
  }`;
}

function activeAdvice(step: FtpDiagnosisStep, ctx: AdviceContext, others: Others): string | undefined {
  if (step.ok) return undefined;
  if (step.step === 'EPRT' && others.byName.get('PORT')?.ok)
    return `The server ${refusedOrFailed(step)} EPRT but PORT works: the gateway falls back to PORT by itself; nothing to change.`;
  if (isRefusal(step))
    return others.passive
      ? `The server refuses active mode (${step.step} answered ${step.code}${/illegal port/i.test(step.error?.ftpMessage ?? '') ? ': "Illegal PORT command" is what servers say when they take no PORT to this address' : ''}): use passive mode (mode: passive).`
      : `The server refuses active mode (${step.step} answered ${step.code}).`;
  if (step.error?.code === 'FTP_TLS' || step.code === 522) return dataTlsAdvice(step, ctx);
  const advertised = ctx.config.activeAddress ?? 'the gateway’s own address';
  return `The server accepted ${step.step} but could not connect back to ${advertised}${errorText(step.error)}: a firewall or NAT stands between them. Set activeAddress to an address the server can reach and open activePorts to it${
    others.passive ? ', or use passive mode (mode: passive).' : '.'
  }`;
}

function dataTlsAdvice(step: FtpDiagnosisStep, ctx: AdviceContext): string {
  if (ctx.config.tls.mode === 'none') return `The data connection failed (${step.code ?? errorCode(step.error)}).`;
  return `TLS on the data connection failed (${step.code ?? errorCode(step.error)}): the server requires data connections to resume the control connection's TLS session. The gateway offers it; if this persists, set tls.maxVersion: TLSv1.2 (TLS 1.3 hands the session over only after the handshake).`;
}

/** The settings to put in the configuration: the data mode that works, and what the advice names. */
export function recommend(steps: readonly FtpDiagnosisStep[], ctx: AdviceContext): Recommendation {
  const ok = (n: string): boolean => steps.some((s) => s.step === n && s.ok);
  const passive = ok('EPSV') || ok('PASV');
  const active = ok('EPRT') || ok('PORT');
  const mode = passive && active ? 'auto' : passive ? 'passive' : active ? 'active' : ctx.config.mode;
  const rec: Recommendation = { mode };
  const login = steps.find((s) => s.step === 'login');
  const text = login?.error?.ftpMessage ?? '';
  if (
    ctx.config.tls.mode === 'none' &&
    login &&
    !login.ok &&
    (login.code === 534 || ((login.code === 530 || login.code === 550) && TLS_REQUIRED.test(text)))
  ) {
    rec.tls = { mode: 'explicit' };
  }
  const dataTlsFailed = steps.some(
    (s) => /^(EPSV|PASV|EPRT|PORT)$/.test(s.step) && !s.ok && (s.code === 522 || s.error?.code === 'FTP_TLS'),
  );
  if (ctx.config.tls.mode !== 'none' && dataTlsFailed && !passive && !active) rec.tls = { ...rec.tls, maxVersion: 'TLSv1.2' };
  const refusedForCapacity = steps.some((s) => !s.ok && s.error !== undefined && isCapacitySignal(s.error));
  const limit = refusedForCapacity ? Math.max(ctx.openSessions, ctx.sessionLimit ?? 0) : ctx.sessionLimit;
  if (limit !== null && limit >= 1 && limit < ctx.config.pool.max) rec.pool = { max: limit };
  return rec;
}

function isRefusal(step: FtpDiagnosisStep): boolean {
  // The method's own command refused: the error names it (prepareData), not the listing verb.
  return step.error?.code === 'FTP_REPLY' && step.error.command === step.step && (step.code ?? 0) >= 400;
}

function refusedOrFailed(step: FtpDiagnosisStep): string {
  return isRefusal(step) ? `refuses (${step.code})` : 'could not use';
}

function errno(err: FtpError | undefined): string {
  const code = (err?.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? ` (${code})` : '';
}

function errorCode(err: FtpError | undefined): string {
  return err ? err.code : 'no reply';
}

function errorText(err: FtpError | undefined): string {
  if (!err) return '';
  if (err.code === 'FTP_TIMEOUT') return ' (no connection in time)';
  return err.ftpCode !== undefined ? ` (${err.ftpCode})` : ` (${err.code})`;
}

/** RFC 1918 and RFC 6598 (carrier-grade NAT) IPv4 ranges, and loopback. */
export function isPrivate(address: string): boolean {
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(address);
  if (!m) return /^(fc|fd)/i.test(address);
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}
