import type tls from 'node:tls';
import { ftpChannels, publish } from '../diagnostics.js';
import { FtpError, replyError, tlsError } from '../errors.js';
import { tlsOptions } from '../net.js';
import type { FtpReply } from '../reply/ftpReply.js';
import type { FtpConnectOptions, FtpServerKnowledge, FtpTimeouts } from '../types.js';
import { learnFromFeat, parseFeatures } from './features.js';
import type { FtpControl } from './ftpControl.js';
import { logIn, sendSiteCommands } from './login.js';

/** What a new session lends the setup: its control connection, its commands, and where TLS and features go. */
export interface SessionSetup {
  sessionId: number;
  control: FtpControl;
  options: FtpConnectOptions;
  server: FtpServerKnowledge;
  timeouts: FtpTimeouts;
  encoding: string;
  command(verb: string, argument?: string): Promise<FtpReply>;
  expect(verb: string, argument: string, codes: number[]): Promise<FtpReply>;
  /** The control connection is TLS now (explicit TLS): its session tickets serve the data connections. */
  secured(socket: tls.TLSSocket): void;
  /** PROT P is on: data connections must be TLS too. */
  protectData(): void;
}

/**
 * A session from greeting to ready, in the order the RFCs ask: the 220
 * (RFC 959 §5.4, after any 1xx), AUTH TLS and the handshake (RFC 4217 §4),
 * login with ACCT when asked, the pipelining probe (once per server), PBSZ 0
 * and PROT P (RFC 4217 §9), FEAT (RFC 2389), OPTS UTF8 ON, then the
 * configured SITE commands. Its features; null when the pipelining probe
 * cost this session (out of step: the caller opens another).
 */
export async function setUpSession(s: SessionSetup, mayProbe: boolean): Promise<ReadonlyMap<string, string> | null> {
  const { control, options, timeouts } = s;
  const connectWait = { timeoutMs: timeouts.connectMs, signal: options.signal };
  let greeting = await control.nextReply(connectWait);
  while (greeting.code >= 100 && greeting.code < 200) greeting = await control.nextReply(connectWait);
  if (greeting.code !== 220) throw replyError('connect', greeting.code, greeting.message);
  s.server.reached();
  publish(ftpChannels.session, () => ({ sessionId: s.sessionId, host: options.host, port: options.port, event: 'open' }));

  const tlsMode = options.tls?.mode ?? 'none';
  if (tlsMode === 'explicit') {
    await s.expect('AUTH', 'TLS', [234]);
    let secure: tls.TLSSocket;
    try {
      secure = await control.upgradeToTls(tlsOptions(options), timeouts.connectMs);
    } catch (err) {
      throw err instanceof FtpError ? err : tlsError(err as Error);
    }
    s.secured(secure);
  }
  await logIn((verb, argument) => s.command(verb, argument), options);
  if (mayProbe && !(await control.learnPipeliningOnce(timeouts.commandMs, options.signal))) return null;
  if (tlsMode !== 'none') {
    await s.expect('PBSZ', '0', [200]);
    await s.expect('PROT', 'P', [200]);
    s.protectData();
  }
  const feat = await s.command('FEAT');
  const features = feat.code === 211 ? parseFeatures(feat.message) : new Map<string, string>();
  learnFromFeat(s.server, feat.code, features);
  if (s.encoding.toLowerCase().replace('-', '') === 'utf8' && options.utf8 !== false && features.has('UTF8')) {
    // pure-ftpd answers 504 here although it lists UTF8; names are UTF-8 either way.
    await s.command('OPTS', 'UTF8 ON');
  }
  await sendSiteCommands((verb, argument) => s.command(verb, argument), options.siteCommands ?? []);
  return features;
}
