import net from 'node:net';
import { abortedError, dataConnectionError, parseError as replyParseError, type FtpError } from '../errors.js';
import type { FtpReply } from '../reply/ftpReply.js';

/**
 * RFC 2428 §3: "229 Entering Extended Passive Mode (|||6446|)". The delimiter
 * is the first character inside the parentheses, whatever it is.
 */
export function parseEpsvReply(reply: FtpReply): number {
  const m = /\((.)\1\1(\d{1,5})\1\)/.exec(reply.message);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw parseError('EPSV', reply);
  return port;
}

/**
 * RFC 959 §4.1.2: "227 Entering Passive Mode (127,0,0,1,195,149)". Servers
 * vary in the surrounding text (some omit the parentheses), so the six
 * numbers are searched for anywhere in the reply.
 */
export function parsePasvReply(reply: FtpReply): { host: string; port: number } {
  const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(reply.message);
  if (!m) throw parseError('PASV', reply);
  const n = m.slice(1, 7).map(Number);
  if (n.some((x) => x > 255)) throw parseError('PASV', reply);
  const port = (n[4] as number) * 256 + (n[5] as number);
  if (port === 0) throw parseError('PASV', reply);
  return { host: n.slice(0, 4).join('.'), port };
}

function parseError(verb: string, reply: FtpReply): FtpError {
  return replyParseError(`unparseable ${verb} reply`, { code: reply.code, message: reply.message, command: verb });
}

/** Opens the passive data connection; a refusal or timeout is FTP_DATA_CONNECTION (the `auto` mode moves on). */
export function connectData(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // No Nagle: a TLS handshake's records (and an upload's last small write)
    // would otherwise wait for the peer's delayed ACK, a round trip or more each.
    const socket = net.connect({ host, port, noDelay: true });
    // Paused before it connects, so Node never starts reading it by itself:
    // nothing is taken from the kernel until a consumer asks (the kernel
    // relay needs every byte still queued in the socket).
    socket.pause();
    const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => fail(new Error('aborted'));
    function fail(err: Error): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(
        signal?.aborted
          ? abortedError(signal.reason)
          : dataConnectionError(`data connection to ${host}:${port} failed: ${err.message}`, err),
      );
    }
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', fail);
      // A server may reset the data connection before anyone reads it (proftpd
      // after a 550 to RETR); the consumer sees that as 'close'.
      socket.on('error', ignore);
      resolve(socket);
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function ignore(): void {}
