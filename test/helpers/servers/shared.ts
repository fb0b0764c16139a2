// One running server per kind and options in a test process, lent to each
// suite that asks for the same kind with the same options, instead of a new
// server per suite:
//
//   const server = await borrowFtpServer('vsftpd');
//   try { … } finally { await server.stop(); }   // ends the loan
//
// Each loan starts with an empty root and a command log of its own (what the
// server logged before the loan is not shown), so a suite sees what it would
// on a fresh server. Ending a loan empties the root; the servers stop when the
// process exits (the launchers' exit hook ends their processes and removes
// their folders). Not shared, because one suite could change what the next
// sees: servers with a client limit or an idle timeout (a session a previous
// suite left could hold a slot or time out mid-test), and ftp-srv, which runs
// in this process and would keep it alive (it starts in milliseconds anyway).
import { readdirSync, rmSync } from 'node:fs';
import { startFtpServer } from './index.js';
import type { FtpServerKind, FtpServerOptions, RunningFtpServer } from './types.js';

const idle = new Map<string, RunningFtpServer[]>();
let started = 0;

/** How many servers borrowFtpServer started in this process (a loan of a running one starts none). */
export function sharedServersStarted(): number {
  return started;
}

function shareable(kind: FtpServerKind, options: FtpServerOptions): boolean {
  return kind !== 'ftp-srv' && options.maxClients === undefined && options.idleTimeoutSec === undefined;
}

/** Options as a key: the same options in any order give the same key (a default spelled out is another key: only sharing is lost). */
function keyOf(kind: FtpServerKind, options: FtpServerOptions): string {
  const defined = Object.entries(options).filter(([, v]) => v !== undefined);
  return JSON.stringify([kind, defined.sort(([a], [b]) => a.localeCompare(b))]);
}

function emptyFolder(path: string): void {
  // Names read as bytes: one that is not UTF-8 (a test's latin1 file name) would otherwise come back mangled and stay.
  const folder = Buffer.from(`${path}/`);
  for (const entry of readdirSync(path, { encoding: 'buffer' })) rmSync(Buffer.concat([folder, entry]), { recursive: true, force: true });
}

class Loan implements RunningFtpServer {
  readonly #server: RunningFtpServer;
  readonly #logFrom: number;
  readonly #giveBack: () => void;
  #ended = false;

  constructor(server: RunningFtpServer, logFrom: number, giveBack: () => void) {
    this.#server = server;
    this.#logFrom = logFrom;
    this.#giveBack = giveBack;
  }

  get kind() {
    return this.#server.kind;
  }
  get host() {
    return this.#server.host;
  }
  get port() {
    return this.#server.port;
  }
  get passivePorts() {
    return this.#server.passivePorts;
  }
  get user() {
    return this.#server.user;
  }
  get password() {
    return this.#server.password;
  }
  get root() {
    return this.#server.root;
  }
  get ftpRoot() {
    return this.#server.ftpRoot;
  }
  get caPem() {
    return this.#server.caPem;
  }
  get features() {
    return this.#server.features;
  }

  url(): string {
    return this.#server.url();
  }

  /** Ends the loan: the root is emptied and the server waits for the next suite. */
  async stop(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    emptyFolder(this.#server.root);
    this.#giveBack();
  }

  restart(): Promise<void> {
    return this.#server.restart();
  }

  async commandLog(): Promise<string[]> {
    return (await this.#server.commandLog()).slice(this.#logFrom);
  }

  processIds(): number[] {
    return this.#server.processIds();
  }
}

export async function borrowFtpServer(kind: FtpServerKind, options: FtpServerOptions = {}): Promise<RunningFtpServer> {
  if (!shareable(kind, options)) return startFtpServer(kind, options);
  const key = keyOf(kind, options);
  const waiting = idle.get(key) ?? [];
  idle.set(key, waiting);
  let lent = waiting.pop();
  if (!lent) {
    lent = await startFtpServer(kind, options);
    started++;
  }
  const server = lent;
  return new Loan(server, (await server.commandLog()).length, () => waiting.push(server));
}
