// Readiness: a server is up when it accepts a TCP connection and sends its
// final 220 line (RFC 959 §4.2: a multi-line reply ends with "220 " — pure-ftpd
// sends "220-" lines first). The probe then just closes: no command reaches
// the server's command log, and the session ends at once on EOF (the launcher
// waits for its process to go, so it never holds a maxClients slot).
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface GreetingProbe {
  readonly port: number;
  /** Implicit FTPS: TLS from the first byte. */
  readonly implicitTlsCa?: string;
  readonly timeoutMs?: number;
  /** Stops waiting early when the server process has died. */
  readonly failed?: () => string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function probeOnce(probe: GreetingProbe): Promise<'ready' | 'retry'> {
  return new Promise((resolve) => {
    let buffer = '';
    let greeted = false;
    let settled = false;
    const socket: Socket = probe.implicitTlsCa
      ? tlsConnect({ host: '127.0.0.1', port: probe.port, ca: probe.implicitTlsCa, servername: 'localhost' })
      : netConnect({ host: '127.0.0.1', port: probe.port });
    const finish = (result: 'ready' | 'retry'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(greeted ? 'ready' : 'retry'), 2_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (/(^|\n)220 [^\n]*\n/.test(buffer)) {
        greeted = true;
        finish('ready');
      }
    });
    socket.on('error', () => finish(greeted ? 'ready' : 'retry'));
    socket.on('close', () => finish(greeted ? 'ready' : 'retry'));
  });
}

export async function waitForGreeting(probe: GreetingProbe): Promise<void> {
  const deadline = Date.now() + (probe.timeoutMs ?? 10_000);
  let delay = 5;
  for (;;) {
    const failure = probe.failed?.();
    if (failure !== undefined) throw new Error(failure);
    if ((await probeOnce(probe)) === 'ready') return;
    if (Date.now() > deadline) throw new Error(`no 220 greeting on 127.0.0.1:${probe.port}`);
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}
