// ftp-srv 4.6 (npm dev dependency), run in-process: plain FTP only.
//
// It has no MLSD, no ASCII conversion (TYPE A moves bytes unchanged) and
// flaky explicit TLS, so it never stands in for the Debian servers on those.
// Data modes are limited with its command blacklist, which answers
// "502 Command blacklisted: PORT". maxClients is enforced by us at connect
// ("421 Too many users"); idleTimeoutSec becomes its socket timeout, after
// which it sends "421 Closing connection".
import { createHook } from 'node:async_hooks';
import type { Server as NetServer, Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { FtpServerDriver, ServerContext, ServerInstance } from './driver.js';
import { maskPass } from './driver.js';
import type { FtpServerAvailability, ResolvedFtpServerOptions } from './types.js';

type FtpSrvServer = import('ftp-srv').FtpSrv;
/** The internals of ftp-srv's FtpServer that limitClients() reaches into (not in its typings). */
interface FtpSrvInternals {
  readonly server: NetServer;
  readonly connections: Record<string, unknown>;
}

/**
 * Refuses sessions beyond `maxClients` with "421 Too many users" before
 * ftp-srv's own handler greets them (as vsftpd and pure-ftpd do at connect).
 */
function limitClients(ftpSrv: FtpSrvServer, maxClients: number): void {
  const internals = ftpSrv as unknown as FtpSrvInternals;
  const handlers = internals.server.listeners('connection') as ((socket: Socket) => void)[];
  internals.server.removeAllListeners('connection');
  internals.server.on('connection', (socket: Socket) => {
    if (Object.keys(internals.connections).length >= maxClients) {
      // ftp-srv listens with pauseOnConnect: resume, or the socket never sees
      // the client's FIN and server.close() waits for it forever.
      socket.on('error', () => socket.destroy()); // the client may hang up first: EPIPE
      socket.resume();
      socket.end('421 Too many users\r\n');
      return;
    }
    for (const handler of handlers) handler.call(internals.server, socket);
  });
}

/** The subset of a bunyan logger ftp-srv calls; records the commands it handles. */
class CommandRecorder {
  readonly #commands: string[];
  constructor(commands: string[]) {
    this.#commands = commands;
  }
  child(): CommandRecorder {
    return this;
  }
  trace(fields: unknown, message?: unknown): void {
    // commands/index.js: log.trace({command: logCommand}, 'Handle command'), PASS already masked.
    if (message !== 'Handle command' || typeof fields !== 'object' || fields === null) return;
    const command = (fields as { command?: { raw?: unknown } }).command;
    if (typeof command?.raw === 'string') this.#commands.push(maskPass(command.raw.trim()));
  }
  debug(): void {}
  info(): void {}
  warn(): void {}
  error(): void {}
  fatal(): void {}
}

/**
 * ftp-srv's passive connector arms a 30 s timer per PASV/EPSV
 * (src/connector/passive.js, CONNECT_TIMEOUT) and never clears it; one unused
 * PASV keeps a finished test process alive for 30 s. While any ftp-srv runs,
 * that timer (recognised by its delay and its caller) is unref'd.
 */
const passiveTimerHook = createHook({
  init(_id, type, _trigger, resource) {
    if (type !== 'Timeout') return;
    const timer = resource as { _idleTimeout?: number; unref?: () => void };
    if (timer._idleTimeout !== 30_000) return;
    if (new Error().stack?.includes('connector/passive.js')) timer.unref?.();
  },
});
let runningFtpSrvs = 0;

class InProcessFtpSrv implements ServerInstance {
  readonly #context: ServerContext;
  readonly #commands: string[] = [];
  #server: FtpSrvServer | undefined;

  constructor(context: ServerContext) {
    this.#context = context;
  }

  async start(): Promise<void> {
    const { FtpSrv } = await import('ftp-srv');
    const { options, ports, user, root } = this.#context;
    const blacklist = options.dataModes === 'passive-only' ? ['PORT', 'EPRT'] : options.dataModes === 'active-only' ? ['PASV', 'EPSV'] : [];
    const signalsBefore = new Map((['SIGTERM', 'SIGINT', 'SIGQUIT'] as const).map((sig) => [sig, new Set(process.listeners(sig))]));
    const server = new FtpSrv({
      url: `ftp://127.0.0.1:${ports.port}`,
      pasv_url: '127.0.0.1',
      pasv_min: ports.passiveMin,
      pasv_max: ports.passiveMax,
      anonymous: false,
      greeting: ['ftp-gateway test ftp-srv'],
      blacklist,
      timeout: (options.idleTimeoutSec ?? 0) * 1000,
      log: new CommandRecorder(this.#commands),
    });
    // ftp-srv's constructor makes SIGTERM/SIGINT/SIGQUIT call process.exit():
    // not its decision inside a test process.
    for (const [sig, before] of signalsBefore) {
      for (const listener of process.listeners(sig)) {
        if (!before.has(listener)) process.removeListener(sig, listener);
      }
    }
    server.on('login', ({ username, password }, resolve, reject) => {
      if (username === user.name && password === user.password) resolve({ root });
      else reject(new Error('Login incorrect'));
    });
    const maxClients = options.maxClients;
    if (maxClients !== undefined) limitClients(server, maxClients);
    // Errors on client sockets are the client's business in these tests.
    server.on('client-error', () => {});
    await server.listen();
    this.#server = server;
    if (runningFtpSrvs++ === 0) passiveTimerHook.enable();
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    await server.close();
    if (--runningFtpSrvs === 0) passiveTimerHook.disable();
  }

  async commandLog(): Promise<string[]> {
    return [...this.#commands];
  }

  processIds(): number[] {
    return [];
  }
}

function installed(): boolean {
  try {
    createRequire(import.meta.url).resolve('ftp-srv');
    return true;
  } catch {
    return false;
  }
}

export const ftpSrvDriver: FtpServerDriver = {
  kind: 'ftp-srv',
  usesSystemUser: false,
  availability(): FtpServerAvailability {
    return installed() ? { available: true } : { available: false, reason: 'the ftp-srv package is not installed (npm ci)' };
  },
  unsupported(options: ResolvedFtpServerOptions): string | undefined {
    if (options.tls !== 'none') return 'ftp-srv is plain FTP only here (its explicit TLS is flaky)';
    if (options.ascii) return 'ftp-srv has no ASCII conversion';
    if (!options.chroot) return 'ftp-srv always serves its root as "/"';
    return undefined;
  },
  features(options: ResolvedFtpServerOptions) {
    return {
      mlsd: false,
      asciiConversion: false,
      tls: false,
      active: options.dataModes !== 'passive-only',
      passive: options.dataModes !== 'active-only',
    };
  },
  async prepare(context: ServerContext) {
    return new InProcessFtpSrv(context);
  },
};
