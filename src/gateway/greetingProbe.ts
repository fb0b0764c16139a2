import net from 'node:net';
import tls from 'node:tls';
import type { ServerConfig } from '../config/index.js';

/**
 * Readiness of a pass-through server: there are no credentials to log in
 * with, so "ready" means it accepts a TCP (or implicit TLS) connection and
 * greets with 220 (RFC 959 §4.2; multi-line greetings such as pure-ftpd's
 *   220---------- Welcome to Pure-FTPd [privsep] ----------
 *   220-You are user number 1 of 50 allowed.
 *   220 This is a private system - No anonymous login
 * end at the line "220 "). Then QUIT, politely.
 */
export interface ProbeResult {
  ok: boolean;
  detail?: string;
}

const MAX_GREETING_BYTES = 8192;

export function probeGreeting(
  server: Pick<ServerConfig, 'host' | 'port' | 'tls' | 'timeouts'>,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let buffered = '';
    let settled = false;
    const socket: net.Socket =
      server.tls.mode === 'implicit'
        ? tls.connect({
            host: server.host,
            port: server.port,
            rejectUnauthorized: server.tls.rejectUnauthorized,
            ...(server.tls.ca !== null ? { ca: server.tls.ca } : {}),
            ...(net.isIP(server.host) === 0 ? { servername: server.host } : {}),
          })
        : net.connect({ host: server.host, port: server.port });

    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (result.ok) socket.end('QUIT\r\n');
      else socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, detail: 'aborted' });
    const timer = setTimeout(() => finish({ ok: false, detail: 'no greeting in time' }), server.timeouts.connectMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      for (const raw of lines.slice(0, -1)) {
        const line = raw.replace(/\r$/, '');
        const m = /^(\d{3})([ -])/.exec(line);
        if (!m || m[2] === '-') continue;
        finish(m[1] === '220' ? { ok: true } : { ok: false, detail: `greeting ${m[1]}` });
        return;
      }
      if (buffered.length > MAX_GREETING_BYTES) finish({ ok: false, detail: 'greeting too long' });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, detail: err.code ?? 'connection failed' }));
    socket.on('close', () => finish({ ok: false, detail: 'closed before greeting' }));
  });
}
