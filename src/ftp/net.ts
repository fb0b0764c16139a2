import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { abortedError, connectFailedError, timeoutError, tlsError } from './errors.js';
import type { FtpConnectOptions } from './types.js';

/**
 * Opening the sockets a session starts from: TCP, or TLS from the first byte
 * (implicit FTPS), each bounded by the connect timeout and the caller's
 * signal. (AUTH TLS over an open control connection goes through connectTls
 * with `socket`.)
 */
export async function connectTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const socket = net.connect({ host, port });
  try {
    await once(socket, 'connect', { signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
    return socket;
  } catch (err) {
    socket.destroy();
    if (signal?.aborted) throw abortedError(signal.reason);
    if (deadline.aborted) throw timeoutError(`no connection to ${host}:${port}`, timeoutMs);
    throw connectFailedError({ host, port }, err);
  }
}

/** tls.connect with a timeout; a failed handshake or certificate is FTP_TLS. */
export async function connectTls(options: tls.ConnectionOptions, timeoutMs: number, signal?: AbortSignal): Promise<tls.TLSSocket> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const socket = tls.connect(options);
  try {
    await once(socket, 'secureConnect', { signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
  } catch (err) {
    socket.destroy();
    if (signal?.aborted) throw abortedError(signal.reason);
    if (deadline.aborted) throw timeoutError('TLS handshake not finished', timeoutMs);
    throw tlsError(err as Error);
  }
  // Seen by the consumer as 'close'.
  socket.on('error', () => undefined);
  return socket;
}

/** TLS options of a session's connections (control and PROT P data). */
export function tlsOptions(options: FtpConnectOptions): tls.ConnectionOptions {
  const t = options.tls;
  const isIp = net.isIP(options.host) !== 0;
  return {
    host: options.host,
    ...(isIp ? {} : { servername: t?.servername ?? options.host }),
    rejectUnauthorized: t?.rejectUnauthorized ?? true,
    ...(t?.ca ? { ca: t.ca } : {}),
    ...(t?.maxVersion ? { maxVersion: t.maxVersion } : {}),
    minVersion: 'TLSv1.2',
  };
}

/**
 * TLS options of a PROT P data connection: the session's, resuming the
 * control connection's TLS session (vsftpd and proftpd require that) unless
 * `resumeDataTlsSession` is false (a diagnosis, to learn whether the server
 * requires it).
 */
export function dataTlsOptions(options: FtpConnectOptions, session: Buffer | undefined): tls.ConnectionOptions {
  return { ...tlsOptions(options), ...(options.resumeDataTlsSession === false ? {} : { session }) };
}
