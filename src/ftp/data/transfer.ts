import type net from 'node:net';
import { abortedError, badArgumentError, closedError, dataConnectionError, FtpError, replyError, timeoutError } from '../errors.js';
import { assertSafeArgument } from '../control/safeArgument.js';
import type { FtpReply } from '../reply/ftpReply.js';
import type { FtpDataMethod, FtpDataMode } from '../types.js';
import { canFallBack, methodsFor, prepareData, type DataContext } from './dataConnection.js';

const ABOR_REPLY_MS = 5_000;

export type TransferVerb = 'RETR' | 'STOR' | 'APPE' | 'LIST' | 'MLSD' | 'NLST';

/**
 * The final reply of a transfer, awaited without a timeout while data flows
 * (a transfer of many minutes must still get its 226) and with the command
 * timeout once the data connection has ended.
 */
export class FinalReply {
  readonly #ctx: DataContext;
  readonly #verb: TransferVerb;
  readonly #promise: Promise<FtpReply>;
  #reply: FtpReply | null = null;
  #error: unknown = null;

  constructor(ctx: DataContext, verb: TransferVerb, signal?: AbortSignal) {
    this.#ctx = ctx;
    this.#verb = verb;
    this.#promise = ctx.control.nextReply({ timeoutMs: null, signal }).then(
      (r) => (this.#reply = r),
      (e: unknown) => {
        this.#error = e;
        throw e;
      },
    );
    this.#promise.catch(() => undefined);
  }

  get received(): boolean {
    return this.#reply !== null || this.#error !== null;
  }

  get reply(): FtpReply | null {
    return this.#reply;
  }

  /** The final reply; rejects when it is not a 2xx. */
  async expectSuccess(): Promise<FtpReply> {
    const reply = await this.wait(this.#ctx.timeouts.commandMs);
    if (reply.code >= 200 && reply.code < 300) return reply;
    throw replyError(this.#verb, reply.code, reply.message);
  }

  /** Waits at most timeoutMs; past that the session's state is unknown, so the control connection is destroyed. */
  wait(timeoutMs: number): Promise<FtpReply> {
    if (this.received) return this.#promise;
    return new Promise<FtpReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = timeoutError(`no final reply to ${this.#verb}`, timeoutMs, this.#verb);
        this.#ctx.control.destroy(err);
        reject(err);
      }, timeoutMs);
      this.#promise.then(
        (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}

/** The data method's command, sent ahead with other commands, and its reply. */
export interface AnsweredDataCommand {
  method: FtpDataMethod;
  reply: FtpReply;
}

export interface OpenTransfer {
  method: FtpDataMethod;
  /** The data connection: the TLS socket with PROT P, else `tcp`. */
  socket: net.Socket;
  tcp: net.Socket;
  final: FinalReply;
  /** ms timestamp once the transfer command was accepted. */
  startedAt: number;
  /** The size the 1xx named (`150 … (1234 bytes)`), where the server names one; null otherwise. */
  announcedBytes: number | null;
}

/**
 * The size many servers put in the 150 to RETR (vsftpd, netkit and
 * inetutils ftpd, wu-ftpd, proftpd: `… (1234 bytes)`). RFC 959 sets no form:
 * only this one is read, anything else is no size.
 */
export function announcedBytes(message: string): number | null {
  const m = /\((\d{1,15}) bytes?\)/i.exec(message);
  return m ? Number(m[1]) : null;
}

/**
 * Prepares a data connection, sends the transfer command and waits for its
 * 1xx, walking through the data methods of `mode` until one works. Nothing
 * has been transferred when a method fails, so moving on is always safe.
 *
 * `restartAt` > 0 sends REST right before the transfer verb, after the data
 * method's command, on every attempt: RFC 3659 §5.1 wants it immediately
 * before RETR/STOR/APPE, and the BSD-derived ftpds (GNU inetutils, netkit,
 * OpenBSD, FreeBSD) forget the marker on any other command, EPSV included,
 * then send from byte 0.
 */
export async function openTransfer(
  ctx: DataContext,
  mode: FtpDataMode | FtpDataMethod,
  verb: TransferVerb,
  argument: string | undefined,
  signal?: AbortSignal,
  restartAt = 0,
  answered?: AnsweredDataCommand,
): Promise<OpenTransfer> {
  // Refused before the data method's command: a refusal at the verb would come after EPSV and REST.
  if (argument !== undefined) assertSafeArgument(argument, `${verb} argument`);
  if (!Number.isSafeInteger(restartAt) || restartAt < 0) {
    throw badArgumentError(`restart offset must be a non-negative integer, got ${restartAt}`);
  }
  const methods = methodsFor(mode, ctx);
  let lastError: unknown;
  for (const [i, method] of methods.entries()) {
    const more = i < methods.length - 1;
    if (signal?.aborted) throw abortedError(signal.reason);
    let prepared;
    try {
      prepared = await prepareData(ctx, method, signal, i === 0 && answered?.method === method ? answered.reply : undefined);
    } catch (err) {
      lastError = err;
      // A refusal of the method's own command is recorded where it is read (prepareData).
      if (err instanceof FtpError && err.code === 'FTP_DATA_CONNECTION') ctx.server.learnDataMethod(method, 'failed');
      if (more && canFallBack(err)) continue;
      throw err;
    }
    let preliminary: FtpReply;
    try {
      if (restartAt > 0) await restart(ctx, restartAt, signal);
      preliminary = await commandWhileConnecting(ctx, prepared.failed, verb, argument, signal);
    } catch (err) {
      prepared.close();
      throw err;
    }
    if (preliminary.code >= 400) {
      prepared.close();
      const err = replyError(verb, preliminary.code, preliminary.message);
      lastError = err;
      learnFromRefusedVerb(ctx, method, preliminary);
      // 425: the server could not open the data connection of this method.
      if (preliminary.code === 425 && more) {
        ctx.refused.add(method);
        continue;
      }
      throw err;
    }
    if (preliminary.code >= 200) {
      // Some servers answer an empty LIST with a bare 226 and no data connection.
      prepared.close();
      throw replyError(verb, preliminary.code, preliminary.message, `${verb} completed without a data connection`);
    }
    const final = new FinalReply(ctx, verb);
    let opened;
    try {
      opened = await prepared.open(signal);
    } catch (err) {
      prepared.close();
      // The server answers the failed connection with a final 4xx; read it so the session stays in step.
      try {
        await final.wait(ctx.timeouts.commandMs);
      } catch {
        /* the wait destroyed the session */
      }
      lastError = err;
      if (!(err instanceof FtpError && err.code === 'FTP_ABORTED')) ctx.server.learnDataMethod(method, 'failed');
      if (more && canFallBack(err) && !ctx.control.closed) continue;
      throw err;
    }
    ctx.server.learnDataMethod(method, 'works');
    if (mode === 'auto') ctx.modeMemory?.set(method);
    return {
      method,
      socket: opened.socket,
      tcp: opened.tcp,
      final,
      startedAt: Date.now(),
      announcedBytes: announcedBytes(preliminary.message),
    };
  }
  throw lastError ?? dataConnectionError('no data method to try');
}

/**
 * The transfer verb refused after its data method's command was accepted:
 * 425 ("Can't open data connection") and 522 (vsftpd: "522 SSL connection
 * failed: session reuse required") say the method's connection did not come
 * about; other codes are about the path, not the method.
 */
function learnFromRefusedVerb(ctx: DataContext, method: FtpDataMethod, reply: FtpReply): void {
  if (reply.code !== 425 && reply.code !== 522) return;
  ctx.server.learnDataMethod(method, 'failed');
  if (ctx.dataTls && /reuse/i.test(reply.message)) ctx.server.learn('tlsSessionReuse', true);
}

/**
 * The transfer command, and its first reply. With the data connection still
 * being made (`failed`), a connection that cannot be made leaves the command
 * waiting at the server for a connection that never comes: the session is
 * then given up, not waited on.
 */
async function commandWhileConnecting(
  ctx: DataContext,
  failed: Promise<never> | undefined,
  verb: TransferVerb,
  argument: string | undefined,
  signal?: AbortSignal,
): Promise<FtpReply> {
  const asked = ctx.control.request(verb, argument, { timeoutMs: ctx.timeouts.commandMs, signal });
  if (!failed) return asked;
  let answered = false;
  asked.then(
    () => void (answered = true),
    () => undefined,
  );
  return Promise.race([
    asked,
    failed.catch((err: unknown) => {
      // After the reply (a 550 that closed the server's listener), the reply decides; the session is in step.
      if (!answered) ctx.control.destroy(closedError(`the data connection failed while ${verb} was on its way`, err));
      throw err;
    }),
  ]);
}

/** REST (RFC 3659 §5.3). Anything but 350 leaves no marker set: one command, one reply, the session stays in step. */
async function restart(ctx: DataContext, offset: number, signal?: AbortSignal): Promise<void> {
  const reply = await ctx.control.request('REST', String(offset), { timeoutMs: ctx.timeouts.commandMs, signal });
  if (reply.code !== 350) throw replyError('REST', reply.code, reply.message);
}

/**
 * RFC 959 §4.1.3 ABOR after the client stopped a transfer early: the data
 * connection is already closed by us; the server answers the transfer
 * command (426, or 226 when it had finished) and then ABOR itself (226/225).
 *   vsftpd:    "426 Failure writing network stream." then "225 No transfer to ABOR."
 *   pure-ftpd: "150 0.001 seconds (measured here), …" then "226 Since you see this ABOR must've succeeded"
 * If the replies do not come in time the session is destroyed, never reused.
 */
export async function abortTransfer(ctx: DataContext, final: FinalReply): Promise<void> {
  if (ctx.control.closed) return;
  // Bounded apart from the command timeout: a server that ignores ABOR
  // (ftp-srv after the data connection is gone) must not hold the session long.
  const waitMs = Math.min(ctx.timeouts.commandMs, ABOR_REPLY_MS);
  try {
    ctx.control.send('ABOR');
    await final.wait(waitMs);
    const own = await ctx.control.nextReply({ timeoutMs: waitMs });
    if (own.code >= 300) throw replyError('ABOR', own.code, own.message);
    ctx.control.abortAnswered();
  } catch (err) {
    ctx.control.destroy(err instanceof FtpError ? err : closedError('ABOR failed', err));
  }
}
