import type net from 'node:net';
import { FtpControl } from '../control/ftpControl.js';
import { closedError, FtpError, parseError, replyError } from '../errors.js';
import { normaliseAddress } from '../data/active.js';
import { connectTcp, connectTls, tlsOptions } from '../net.js';
import type { FtpReply } from '../reply/ftpReply.js';
import { replyText } from '../reply/ftpReplyParser.js';
import type { FtpConnectOptions, FtpServerKnowledge, FtpTimeouts } from '../types.js';
import { StepRecorder, type FtpDiagnosisStep } from './diagnosisStep.js';

const DEFAULT_TIMEOUTS: FtpTimeouts = { connectMs: 10_000, commandMs: 30_000, dataMs: 60_000 };
const QUIT_MS = 2_000;

export interface ControlStepsResult {
  steps: FtpDiagnosisStep[];
  /** Logged in (and, with TLS, PROT P accepted): the data steps may run. */
  loggedIn: boolean;
  /** The control connection's peer: where passive data connections go. */
  peerAddress: string | null;
  /** PWD after login, when it answered a quoted path. */
  loginDirectory: string | null;
}

/**
 * The control-connection half of a diagnosis, one step at a time on a
 * connection of its own, so that each step is timed and shown with its own
 * commands and replies: connect, TLS (implicit: before the greeting),
 * greeting, TLS (explicit: AUTH TLS), login, PROT P, SYST, FEAT, PWD. A step
 * that leaves the session unusable ends the run; SYST, FEAT and PWD are
 * asked whatever the one before answered. Every wait is bounded by the
 * configured timeouts and the caller's signal.
 */
export async function runControlSteps(options: FtpConnectOptions, server: FtpServerKnowledge): Promise<ControlStepsResult> {
  const t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const { signal } = options;
  const tlsMode = options.tls?.mode ?? 'none';
  const result: ControlStepsResult = { steps: [], loggedIn: false, peerAddress: null, loginDirectory: null };
  const steps = result.steps;

  let rec = new StepRecorder('connect');
  let socket: net.Socket;
  try {
    socket = await connectTcp(options.host, options.port, t.connectMs, signal);
    result.peerAddress = normaliseAddress(socket.remoteAddress ?? '');
    steps.push(rec.ok());
  } catch (err) {
    steps.push(rec.failed(err));
    return result;
  }
  if (tlsMode === 'implicit') {
    rec = new StepRecorder('TLS');
    try {
      socket = await connectTls({ ...tlsOptions(options), socket }, t.connectMs, signal);
      steps.push(rec.ok());
    } catch (err) {
      socket.destroy();
      steps.push(rec.failed(err));
      return result;
    }
  }
  const control = new FtpControl(socket, {
    sessionId: 0,
    host: options.host,
    port: options.port,
    encoding: options.encoding ?? 'utf8',
    server,
  });
  const wait = (ms: number) => ({ timeoutMs: ms, signal });
  /** One command and its replies into `rec`; the completion reply. */
  const ask = async (verb: string, argument?: string): Promise<FtpReply> => {
    rec.sent(verb, argument);
    control.send(verb, argument);
    let reply = await control.nextReply(wait(t.commandMs));
    rec.replied(reply);
    while (reply.code < 200) {
      reply = await control.nextReply(wait(t.commandMs));
      rec.replied(reply);
    }
    return reply;
  };
  /** A step that must succeed for the next to make sense: false ends the run. */
  const essential = async (name: FtpDiagnosisStep['step'], body: () => Promise<void>): Promise<boolean> => {
    rec = new StepRecorder(name);
    try {
      await body();
      steps.push(rec.ok());
      return true;
    } catch (err) {
      steps.push(rec.failed(err));
      return false;
    }
  };

  try {
    const greeted = await essential('greeting', async () => {
      let reply = await control.nextReply(wait(t.connectMs));
      rec.replied(reply);
      while (reply.code < 200) {
        reply = await control.nextReply(wait(t.connectMs));
        rec.replied(reply);
      }
      if (reply.code !== 220) throw replyError('connect', reply.code, reply.message);
      server.reached();
    });
    if (!greeted) return result;
    if (tlsMode === 'explicit') {
      const secured = await essential('TLS', async () => {
        const reply = await ask('AUTH', 'TLS');
        if (reply.code !== 234) throw replyError('AUTH', reply.code, reply.message);
        try {
          await control.upgradeToTls(tlsOptions(options), t.connectMs);
        } catch (err) {
          throw err instanceof FtpError ? err : closedError('TLS upgrade failed', err);
        }
      });
      if (!secured) return result;
    }
    const loggedIn = await essential('login', async () => {
      const user = await ask('USER', options.user ?? 'anonymous');
      if (user.code === 230) return;
      if (user.code !== 331) throw replyError('USER', user.code, user.message);
      const pass = await ask('PASS', options.password ?? '');
      if (pass.code !== 230 && pass.code !== 202) throw replyError('PASS', pass.code, pass.message);
    });
    if (!loggedIn) return result;
    if (tlsMode !== 'none') {
      // RFC 4217 §9, as every session does: without PROT P the data steps would run in clear.
      const protectedData = await essential('PROT P', async () => {
        for (const [verb, argument] of [
          ['PBSZ', '0'],
          ['PROT', 'P'],
        ] as const) {
          const reply = await ask(verb, argument);
          if (reply.code !== 200) throw replyError(verb, reply.code, reply.message);
        }
      });
      if (!protectedData) return result;
    }
    result.loggedIn = true;
    // Answered or not, these three only inform: a closed connection ends the run.
    await essential('SYST', async () => {
      const reply = await ask('SYST');
      // As a listing records it (listing/listTransfer.ts): '' when refused.
      server.learnSystem(reply.code === 215 ? replyText(reply).trim() : '');
      if (reply.code !== 215) throw replyError('SYST', reply.code, reply.message);
    });
    if (control.closed) return result;
    await essential('FEAT', async () => {
      const reply = await ask('FEAT');
      if (reply.code !== 211) throw replyError('FEAT', reply.code, reply.message);
    });
    if (control.closed) return result;
    await essential('PWD', async () => {
      const reply = await ask('PWD');
      if (reply.code !== 257) throw replyError('PWD', reply.code, reply.message);
      // RFC 959 §7: 257 "/dir/with ""quotes""" is current directory.
      const m = /"((?:[^"]|"")*)"/.exec(reply.message);
      if (!m) throw parseError('unparseable PWD reply', { code: 257, message: reply.message, command: 'PWD' });
      result.loginDirectory = (m[1] as string).replace(/""/g, '"');
    });
    return result;
  } finally {
    if (!control.closed && control.inStep) {
      await control.request('QUIT', undefined, { timeoutMs: Math.min(t.commandMs, QUIT_MS) }).catch(() => undefined);
    }
    control.destroy();
  }
}
