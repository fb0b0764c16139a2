import type net from 'node:net';
import tls from 'node:tls';
import type { Readable, Writable } from 'node:stream';
import { abortedError, closedError, connectFailedError, FtpError, replyError } from './errors.js';
import { ftpChannels, publish } from './diagnostics.js';
import { FtpControl } from './control/ftpControl.js';
import { setUpSession } from './control/sessionSetup.js';
import { createServerKnowledge } from './profile/serverProfile.js';
import type { FtpReply } from './reply/ftpReply.js';
import type { DataContext } from './data/dataConnection.js';
import { passiveAhead, renameTogether, statThenDownload, typeAndPassive, typeCommand } from './control/sendAhead.js';
import { download, planDownload, type DownloadPlan } from './data/download.js';
import { restarting } from './data/restMode.js';
import type { TransferSession } from './data/settle.js';
import type { AnsweredDataCommand } from './data/transfer.js';
import { planUpload, upload } from './data/upload.js';
import { learnListingDialect, listAll, nameList, streamList, type ListingSession } from './listing/listTransfer.js';
import { directoryFromPwd } from './control/login.js';
import { connectTcp, connectTls, dataTlsOptions, tlsOptions } from './net.js';
import { SerialQueue } from './serialQueue.js';
import type { CommandChannel } from './control/commandChannel.js';
import { StatProbe } from './stat.js';

import type {
  FtpConnectOptions,
  FtpDataMethod,
  FtpDownloadDecision,
  FtpDownloadOptions,
  FtpEntriesConsumer,
  FtpEntry,
  FtpListOptions,
  FtpRestMode,
  FtpServerKnowledge,
  FtpSession,
  FtpStat,
  FtpStatAndDownloadOptions,
  FtpTimeouts,
  FtpTransferResult,
  FtpTransferType,
  FtpUploadOptions,
} from './types.js';

const DEFAULT_TIMEOUTS: FtpTimeouts = { connectMs: 10_000, commandMs: 30_000, dataMs: 60_000 };
let nextSessionId = 1;

/**
 * One logged-in FTP session over one control connection (RFC 959), with
 * FTPS (RFC 4217), FEAT (RFC 2389), EPSV/EPRT (RFC 2428) and MLST/SIZE/MDTM/
 * REST (RFC 3659). It keeps the session; transfers (data/download.ts,
 * data/upload.ts, data/receive.ts) and stat probing (stat.ts) run inside it.
 *
 * One operation at a time: each holds the session until its final reply has
 * been read, and one asked for meanwhile is a caller's bug that fails at
 * once (SerialQueue.runAlone); only quit() waits its turn. An operation that
 * leaves the control connection out of step destroys the session, so that
 * `usable` alone says whether it can be reused.
 */
export class FtpClient implements FtpSession {
  readonly id = nextSessionId++;
  readonly #options: FtpConnectOptions;
  readonly #timeouts: FtpTimeouts;
  readonly #encoding: string;
  readonly #control: FtpControl;
  readonly #data: DataContext;
  readonly #queue: SerialQueue;
  readonly #transfers: TransferSession & { readonly kernelRelay: boolean };
  readonly #stat: StatProbe;
  readonly #listing: ListingSession;
  readonly #channel: CommandChannel;
  #features: ReadonlyMap<string, string> = new Map();
  #type: FtpTransferType | null = null;
  #tlsSession: Buffer | undefined;
  #bytes = 0;
  /** What is known of this server, shared with its other sessions. */
  readonly #server: FtpServerKnowledge;

  private constructor(socket: net.Socket, options: FtpConnectOptions, server: FtpServerKnowledge) {
    this.#options = options;
    this.#server = server;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#encoding = options.encoding ?? 'utf8';
    this.#queue = new SerialQueue(`FTP session ${this.id}`);
    this.#control = new FtpControl(socket, {
      sessionId: this.id,
      host: options.host,
      port: options.port,
      encoding: this.#encoding,
      server,
    });
    this.#control.onClose((err) =>
      publish(ftpChannels.session, () => ({
        sessionId: this.id,
        host: options.host,
        port: options.port,
        event: 'close',
        reason: err.code,
      })),
    );
    if (socket instanceof tls.TLSSocket) this.#watchTls(socket);
    this.#data = {
      control: this.#control,
      timeouts: this.#timeouts,
      ignorePasvAddress: options.ignorePasvAddress ?? true,
      active: options.active ?? {},
      dataTls: null,
      modeMemory: options.modeMemory ?? server.modeMemory,
      refused: new Set<FtpDataMethod>(),
      server,
      connected: new Set<FtpDataMethod>(),
    };
    this.#transfers = {
      data: this.#data,
      sessionId: this.id,
      host: options.host,
      kernelRelay: options.kernelRelay !== false,
      countBytes: (n) => void (this.#bytes += n),
    };
    const channel: CommandChannel = (this.#channel = {
      features: () => this.#features,
      command: (verb, argument, signal) => this.#command(verb, argument, signal),
      exchange: async (commands, signal) => {
        if (signal?.aborted) throw abortedError(signal.reason);
        return this.#control.exchange(commands, () => this.#completion(signal));
      },
      setType: (type, signal) => this.#setType(type, signal),
      typeCommand: (type) => (this.#type === type ? null : typeCommand(type)),
      typeAnswered: (type, reply) => {
        this.#type = reply.code === 200 ? type : null;
        if (reply.code !== 200) throw replyError('TYPE', reply.code, reply.message);
      },
      passiveAhead: (mode) => passiveAhead(this.#server, this.#data, mode),
    });
    this.#stat = new StatProbe(channel, server);
    this.#listing = {
      channel,
      transfers: this.#transfers,
      encoding: this.#encoding,
      server,
      learnListingDialect: (name) => learnListingDialect(server, { sessionId: this.id, host: options.host, port: options.port }, name),
    };
  }

  /** Connects, secures (explicit or implicit TLS), logs in and reads FEAT. */
  static async connect(options: FtpConnectOptions): Promise<FtpClient> {
    const server = options.serverKnowledge ?? createServerKnowledge();
    // A session whose probe found that the server takes one command at a
    // time is out of step and gone; the next one never probes.
    for (let attempt = 0; ; attempt++) {
      const client = await FtpClient.#connectOnce(options, server, attempt === 0);
      if (client) return client;
    }
  }

  /** A logged-in session, or null when its pipelining probe failed (and destroyed it). */
  static async #connectOnce(options: FtpConnectOptions, server: FtpServerKnowledge, mayProbe: boolean): Promise<FtpClient | null> {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const socket =
      (options.tls?.mode ?? 'none') === 'implicit'
        ? await connectTls({ ...tlsOptions(options), port: options.port }, timeouts.connectMs, options.signal).catch((err: unknown) => {
            throw err instanceof FtpError ? err : connectFailedError(options, err);
          })
        : await connectTcp(options.host, options.port, timeouts.connectMs, options.signal);
    socket.setKeepAlive(true, 15_000);
    socket.setNoDelay(true);
    const client = new FtpClient(socket, options, server);
    try {
      if (!(await client.#open(mayProbe))) return null;
    } catch (err) {
      client.destroy();
      throw err;
    }
    return client;
  }

  get usable(): boolean {
    return !this.#control.closed;
  }

  get bytesSinceReset(): number {
    return this.#bytes;
  }

  get lastActivity(): number {
    return this.#control.lastActivity;
  }

  get features(): ReadonlyMap<string, string> {
    return this.#features;
  }

  resetCounters(): void {
    this.#bytes = 0;
  }

  /** False when the pipelining probe cost this session. */
  async #open(mayProbe: boolean): Promise<boolean> {
    const features = await setUpSession(
      {
        sessionId: this.id,
        control: this.#control,
        options: this.#options,
        server: this.#server,
        timeouts: this.#timeouts,
        encoding: this.#encoding,
        command: (verb, argument) => this.#command(verb, argument),
        expect: (verb, argument, codes) => this.#expect(verb, argument, codes),
        secured: (socket) => this.#watchTls(socket),
        protectData: () => {
          this.#data.dataTls = () => dataTlsOptions(this.#options, this.#tlsSession);
        },
      },
      mayProbe,
    );
    if (features === null) return false;
    this.#features = features;
    return true;
  }

  #watchTls(socket: tls.TLSSocket): void {
    // TLS 1.3 delivers session tickets after the handshake: keep the newest for data connections.
    socket.on('session', (session: Buffer) => {
      this.#tlsSession = session;
    });
    this.#tlsSession = socket.getSession();
  }

  /**
   * One operation on the session. Whatever path it took, it must leave the
   * control connection in step (every reply read): one that does not is
   * destroyed here rather than lent out again.
   */
  #op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.#queue.runAlone(`${name}()`, async () => {
      try {
        return await fn();
      } finally {
        if (!this.#control.closed && !this.#control.inStep)
          this.#control.destroy(closedError(`${name}() left the control connection out of step`));
      }
    });
  }

  async #command(verb: string, argument?: string, signal?: AbortSignal): Promise<FtpReply> {
    // A caller gone already costs nothing: sent, its reply would be due and the session lost.
    if (signal?.aborted) throw abortedError(signal.reason);
    this.#control.send(verb, argument);
    return this.#completion(signal);
  }

  /** The next completion reply, skipping a stray 1xx (allowed by RFC 959 for any command). */
  async #completion(signal?: AbortSignal): Promise<FtpReply> {
    const wait = { timeoutMs: this.#timeouts.commandMs, signal };
    let reply = await this.#control.nextReply(wait);
    while (reply.code < 200) reply = await this.#control.nextReply(wait);
    return reply;
  }

  async #expect(verb: string, argument: string | undefined, codes: number[], signal?: AbortSignal): Promise<FtpReply> {
    const reply = await this.#command(verb, argument, signal);
    if (!codes.includes(reply.code)) throw replyError(verb, reply.code, reply.message);
    return reply;
  }

  async #setType(type: FtpTransferType, signal?: AbortSignal): Promise<void> {
    if (this.#type === type) return;
    await this.#expect('TYPE', type === 'ascii' ? 'A' : 'I', [200], signal);
    this.#type = type;
  }

  pwd(signal?: AbortSignal): Promise<string> {
    return this.#op('pwd', async () => {
      return directoryFromPwd(await this.#expect('PWD', undefined, [257], signal));
    });
  }

  cwd(path: string, signal?: AbortSignal): Promise<void> {
    return this.#op('cwd', async () => void (await this.#expect('CWD', path, [250, 200], signal)));
  }

  size(path: string, signal?: AbortSignal): Promise<number | null> {
    return this.#op('size', () => this.#stat.size(path, signal));
  }

  modifiedAt(path: string, signal?: AbortSignal): Promise<Date | null> {
    return this.#op('modifiedAt', () => this.#stat.modifiedAt(path, signal));
  }

  /** What the path is (see StatProbe); null when it does not exist. */
  stat(path: string, signal?: AbortSignal): Promise<FtpStat | null> {
    return this.#op('stat', () => this.#stat.stat(path, signal));
  }

  /** The whole listing, for callers that need it all (at most `maxEntries`, default 1,000,000). */
  list(path: string, options: FtpListOptions = {}): Promise<FtpEntry[]> {
    return this.#op('list', () => listAll(this.#listing, path, options));
  }

  /**
   * The listing as it arrives, in the server's order: `onEntries` gets the
   * entries each piece of the data connection completed. Nothing is kept
   * here, and the next piece is read only once the promise `onEntries`
   * returns has settled, so a slow consumer pauses the data connection
   * instead of filling memory. A throw from `onEntries` stops the listing
   * (ABOR) and rejects with that error.
   */
  streamList(path: string, onEntries: FtpEntriesConsumer, options: FtpListOptions = {}): Promise<void> {
    return this.#op('streamList', () => streamList(this.#listing, path, onEntries, options));
  }

  nlst(path: string, options: FtpListOptions = {}): Promise<string[]> {
    return this.#op('nlst', () => nameList(this.#listing, path, options));
  }

  download(path: string, destination: Writable, options: FtpDownloadOptions = {}): Promise<FtpTransferResult> {
    return this.#op('download', async () => {
      const plan = planDownload(path, options);
      const answered = await typeAndPassive(this.#channel, plan.type, options.mode, options.signal);
      return this.#download(plan, destination, options, answered);
    });
  }

  statAndDownload(path: string, decide: FtpDownloadDecision, options: FtpStatAndDownloadOptions = {}): Promise<FtpTransferResult | null> {
    const run = this.#download.bind(this);
    return this.#op('statAndDownload', () => statThenDownload(this.#stat, this.#channel, run, path, decide, options));
  }

  /** RETR on the data command already answered (if any); from an offset, what it shows of REST is learned. */
  #download(
    plan: DownloadPlan,
    destination: Writable,
    options: FtpDownloadOptions,
    answered?: AnsweredDataCommand,
  ): Promise<FtpTransferResult> {
    if (plan.offset === 0) return download(this.#transfers, plan, destination, options, answered);
    const who = { sessionId: this.id, host: this.#options.host, port: this.#options.port };
    return restarting(this.#server, who, plan.offset, () => download(this.#transfers, plan, destination, options, answered));
  }

  get restMode(): FtpRestMode | undefined {
    return this.#server.restMode;
  }

  upload(path: string, source: Readable, options: FtpUploadOptions = {}): Promise<FtpTransferResult> {
    return this.#op('upload', async () => {
      const verb = planUpload(path, options);
      const answered = await typeAndPassive(this.#channel, options.type ?? 'binary', options.mode, options.signal);
      return upload(this.#transfers, verb, path, source, options, answered);
    });
  }

  delete(path: string, signal?: AbortSignal): Promise<void> {
    return this.#op('delete', async () => void (await this.#expect('DELE', path, [250, 200], signal)));
  }

  mkdir(path: string, signal?: AbortSignal): Promise<void> {
    return this.#op('mkdir', async () => void (await this.#expect('MKD', path, [257, 250], signal)));
  }

  rmdir(path: string, signal?: AbortSignal): Promise<void> {
    return this.#op('rmdir', async () => void (await this.#expect('RMD', path, [250, 200], signal)));
  }

  /** RNFR and RNTO in one write where the server takes pipelined commands. */
  rename(from: string, to: string, signal?: AbortSignal): Promise<void> {
    return this.#op('rename', () => renameTogether(this.#channel, from, to, signal));
  }

  noop(signal?: AbortSignal): Promise<void> {
    return this.#op('noop', async () => void (await this.#expect('NOOP', undefined, [200], signal)));
  }

  /** Sends a raw command and returns its completion reply (for tests and diagnostics). */
  raw(verb: string, argument?: string, signal?: AbortSignal): Promise<FtpReply> {
    return this.#op('raw', () => this.#command(verb, argument, signal));
  }

  /** The one operation that waits its turn: the pool may evict a session that is still finishing one. */
  quit(): Promise<void> {
    return this.#queue.run('quit()', async () => {
      if (this.#control.closed) return;
      try {
        await this.#control.request('QUIT', undefined, { timeoutMs: Math.min(this.#timeouts.commandMs, 5_000) });
      } catch {
        /* closing anyway */
      }
      this.destroy();
    });
  }

  destroy(): void {
    this.#control.destroy();
  }
}

export function connectFtp(options: FtpConnectOptions): Promise<FtpClient> {
  return FtpClient.connect(options);
}
