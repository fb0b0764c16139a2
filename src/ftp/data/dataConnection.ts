import type net from 'node:net';
import type tls from 'node:tls';
import { dataConnectionError, FtpError, replyError, tlsError } from '../errors.js';
import type { FtpControl } from '../control/ftpControl.js';
import { connectTls } from '../net.js';
import type { FtpActiveOptions, FtpDataMethod, FtpDataMode, FtpModeMemory, FtpServerKnowledge, FtpTimeouts } from '../types.js';
import { ActiveListener, formatEprt, formatPort, normaliseAddress } from './active.js';
import { connectData, parseEpsvReply, parsePasvReply } from './passive.js';
import type { FtpReply } from '../reply/ftpReply.js';

export interface DataContext {
  control: FtpControl;
  timeouts: FtpTimeouts;
  ignorePasvAddress: boolean;
  active: FtpActiveOptions;
  /** TLS options for PROT P data connections, or null for clear data. */
  dataTls: (() => tls.ConnectionOptions) | null;
  modeMemory: FtpModeMemory | undefined;
  /** Methods this session's server refused; skipped next time. */
  refused: Set<FtpDataMethod>;
  /** The server's profile: what each method did is recorded there, and methods it refused for good are skipped. */
  server: FtpServerKnowledge;
  /**
   * Passive methods whose data connection this session has opened before:
   * their transfer command then goes out while the connection is still
   * being made (one round trip less), because a server that accepted our
   * connections once will again; a failure then costs the session.
   */
  connected: Set<FtpDataMethod>;
}

/** A data connection being set up: the passive socket, or the active listener. */
export interface PreparedData {
  readonly method: FtpDataMethod;
  /**
   * A passive connection still being made while the transfer command goes
   * out: rejects (FTP_DATA_CONNECTION) when it cannot be made; never
   * resolves otherwise. Undefined when the connection was made first.
   */
  readonly failed?: Promise<never>;
  /** After the transfer command's 1xx: the connected (and, with PROT P, TLS) socket, plus the TCP socket under it. */
  open(signal?: AbortSignal): Promise<{ socket: net.Socket; tcp: net.Socket }>;
  /** Releases whatever was not used. */
  close(): void;
}

const PASSIVE: readonly FtpDataMethod[] = ['EPSV', 'PASV'];
const ACTIVE: readonly FtpDataMethod[] = ['EPRT', 'PORT'];

/**
 * The methods to try, in order. `auto` starts from what worked last for this
 * server; a method the server refused for good (this session, or its
 * profile: a 5xx) comes last or not at all. A method named alone (a
 * diagnosis) is tried whatever is known.
 */
export function methodsFor(mode: FtpDataMode | FtpDataMethod, ctx: DataContext): FtpDataMethod[] {
  if (mode === 'EPSV' || mode === 'PASV' || mode === 'EPRT' || mode === 'PORT') return [mode];
  const base = mode === 'passive' ? PASSIVE : mode === 'active' ? ACTIVE : [...PASSIVE, ...ACTIVE];
  const remembered = mode === 'auto' ? ctx.modeMemory?.get() : undefined;
  const ordered = remembered ? [remembered, ...base.filter((m) => m !== remembered)] : [...base];
  // The kernel's peer address is a valid IP: only IPv6 has a colon (cheaper than net.isIPv6 on every transfer).
  const ipv6 = normaliseAddress(ctx.control.socket.remoteAddress ?? '').includes(':');
  const usable = ordered.filter((m) => !(ipv6 && (m === 'PASV' || m === 'PORT')));
  const fresh = usable.filter((m) => !ctx.refused.has(m) && !ctx.server.refusedForGood(m));
  // Never leave nothing to try: a method refused once may work for another command.
  return fresh.length > 0 ? fresh : usable;
}

/**
 * Sends the mode command and prepares the connection. Throws FTP_REPLY for a
 * refusal and FTP_DATA_CONNECTION when the connection cannot be made: both
 * let `auto` move on to the next method.
 */
export async function prepareData(
  ctx: DataContext,
  method: FtpDataMethod,
  signal?: AbortSignal,
  answered?: FtpReply,
): Promise<PreparedData> {
  const peer = normaliseAddress(ctx.control.socket.remoteAddress ?? '');
  const wait = { timeoutMs: ctx.timeouts.commandMs, signal };
  if (method === 'EPSV' || method === 'PASV') {
    // `answered`: the command went out earlier, with other commands (see FtpClient.statAndDownload).
    const reply = answered ?? (await ctx.control.request(method, undefined, wait));
    if (reply.code !== 229 && reply.code !== 227) {
      if (reply.code >= 400) refuse(ctx, method, reply.code);
      throw modeRefused(method, reply.code, reply.message);
    }
    let host = peer;
    let port: number;
    if (method === 'EPSV') port = parseEpsvReply(reply);
    else {
      const named = parsePasvReply(reply);
      port = named.port;
      // A 227 naming a third host is never followed (FTP bounce, RFC 2577).
      if (!ctx.ignorePasvAddress && named.host !== peer) {
        throw dataConnectionError(`PASV named ${named.host}, not the server's address`, undefined, {
          code: reply.code,
          message: reply.message,
          command: 'PASV',
        });
      }
      host = ctx.ignorePasvAddress ? peer : named.host;
    }
    const connecting = connectData(host, port, ctx.timeouts.connectMs, signal);
    if (!ctx.connected.has(method)) {
      const tcp = await connecting;
      ctx.connected.add(method);
      return {
        method,
        open: async () => ({ socket: await secure(ctx, tcp), tcp }),
        close: () => tcp.destroy(),
      };
    }
    const failed = connecting.then(() => new Promise<never>(() => undefined));
    failed.catch(() => undefined);
    return {
      method,
      failed,
      open: async () => {
        const tcp = await connecting;
        return { socket: await secure(ctx, tcp), tcp };
      },
      close: () => {
        void connecting.then(
          (tcp) => tcp.destroy(),
          () => undefined,
        );
      },
    };
  }

  const local = normaliseAddress(ctx.control.socket.localAddress ?? '127.0.0.1');
  const advertised = ctx.active.externalAddress ?? local;
  const argument = method === 'EPRT' ? null : formatPort(advertised, 0);
  if (method === 'PORT' && argument === null) {
    throw dataConnectionError('PORT cannot carry an IPv6 address');
  }
  const listener = await ActiveListener.open({
    bindAddress: ctx.active.bindAddress ?? local,
    portRange: ctx.active.portRange ?? null,
    allowedAddress: peer,
  });
  try {
    const arg = method === 'EPRT' ? formatEprt(advertised, listener.port) : (formatPort(advertised, listener.port) as string);
    const reply = await ctx.control.request(method, arg, wait);
    if (reply.code !== 200) {
      if (reply.code >= 400) refuse(ctx, method, reply.code);
      throw modeRefused(method, reply.code, reply.message);
    }
  } catch (err) {
    listener.close();
    throw err;
  }
  return {
    method,
    open: async (openSignal) => {
      const tcp = await listener.accept(ctx.timeouts.dataMs, openSignal);
      return { socket: await secure(ctx, tcp), tcp };
    },
    close: () => listener.close(),
  };
}

/**
 * RFC 4217 §9: with PROT P the data connection is TLS too, the client side
 * always being the TLS client. vsftpd and proftpd require the control
 * connection's session to be resumed, so the options carry it.
 */
async function secure(ctx: DataContext, tcp: net.Socket): Promise<net.Socket> {
  if (!ctx.dataTls) return tcp;
  try {
    return await connectTls({ ...ctx.dataTls(), socket: tcp }, ctx.timeouts.connectMs);
  } catch (err) {
    tcp.destroy();
    if (err instanceof FtpError && err.code === 'FTP_TLS') throw tlsError(err.cause as Error, 'data connection TLS');
    throw err;
  }
}

/** The server refused the method's own command: skipped by this session, recorded in the profile. */
function refuse(ctx: DataContext, method: FtpDataMethod, code: number): void {
  ctx.refused.add(method);
  ctx.server.learnDataMethod(method, 'refused', code);
}

/** True for failures after which `auto` may try the next data method. */
export function canFallBack(err: unknown): boolean {
  if (!(err instanceof FtpError)) return false;
  if (err.code === 'FTP_DATA_CONNECTION') return true;
  return err.code === 'FTP_REPLY' && err.ftpCode !== undefined && err.ftpCode >= 400 && err.ftpCode !== 421;
}

/** A refused data method (its category is 'protocol' whatever the reply says: see categoryForReply). */
function modeRefused(verb: FtpDataMethod, code: number, message: string): FtpError {
  return replyError(verb, code, message, `${verb} refused`);
}
