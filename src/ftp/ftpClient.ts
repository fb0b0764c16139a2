import net from 'node:net';
import tls from 'node:tls';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { FtpError, replyError } from './errors.js';
import { ftpChannels, publish } from './diagnostics.js';
import { FtpControl, abortedError, connectTls, tlsError } from './control/ftpControl.js';
import { parseFeatures } from './control/features.js';
import { createServerKnowledge } from './control/serverKnowledge.js';
import type { FtpReply } from './reply/ftpReply.js';
import { replyText } from './reply/ftpReplyParser.js';
import type { DataContext } from './data/dataConnection.js';
import { DownloadSource } from './data/downloadSource.js';
import { abortTransfer, openTransfer, type FinalReply } from './data/transfer.js';
import { checkByteRange } from './data/byteRange.js';
import { assertSafeArgument } from './control/safeArgument.js';
import { corkPerTurn } from './data/corkPerTurn.js';
import { isDirectTarget, relayDownload } from './data/relayDownload.js';
import { isDirectSource, relayUpload } from './data/relayUpload.js';
import { createAsciiDecoder, createAsciiEncoder } from './data/ascii.js';
import { createListingParser } from './listing/parseListing.js';
import { parseMlstReply, parseMlsxTimestamp } from './listing/parseMlsd.js';

import type {
  FtpConnectOptions,
  FtpDataMethod,
  FtpDownloadOptions,
  FtpEntriesConsumer,
  FtpEntry,
  FtpListOptions,
  FtpServerKnowledge,
  FtpSession,
  FtpStat,
  FtpTimeouts,
  FtpTransferResult,
  FtpTransferType,
  FtpUploadOptions,
} from './types.js';

const DEFAULT_TIMEOUTS: FtpTimeouts = { connectMs: 10_000, commandMs: 30_000, dataMs: 60_000 };
/** How long the pipelining probe waits for its two replies (at most commandMs): a server that takes both answers within a round trip. */
const PIPELINING_PROBE_MS = 2_000;
let nextSessionId = 1;

/**
 * One logged-in FTP session over one control connection (RFC 959), with
 * FTPS (RFC 4217), FEAT (RFC 2389), EPSV/EPRT (RFC 2428) and MLST/SIZE/MDTM/
 * REST (RFC 3659). Operations are serialised: each holds the session until
 * its final reply has been read.
 */
export class FtpClient implements FtpSession {
  readonly id = nextSessionId++;
  readonly #options: FtpConnectOptions;
  readonly #timeouts: FtpTimeouts;
  readonly #encoding: string;
  readonly #control: FtpControl;
  readonly #data: DataContext;
  #features: ReadonlyMap<string, string> = new Map();
  #type: FtpTransferType | null = null;
  #tlsSession: Buffer | undefined;
  #lock: Promise<unknown> = Promise.resolve();
  #bytes = 0;
  #sizeOnDirectories: boolean | undefined;
  /** What is known of this server, shared with its other sessions. */
  readonly #server: FtpServerKnowledge;

  private constructor(socket: net.Socket, options: FtpConnectOptions, server: FtpServerKnowledge) {
    this.#options = options;
    this.#server = server;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#encoding = options.encoding ?? 'utf8';
    this.#control = new FtpControl(socket, { sessionId: this.id, host: options.host, port: options.port, encoding: this.#encoding, server });
    this.#control.onClose((err) =>
      publish(ftpChannels.session, { sessionId: this.id, host: options.host, port: options.port, event: 'close', reason: err.code }),
    );
    if (socket instanceof tls.TLSSocket) this.#watchTls(socket);
    this.#data = {
      control: this.#control,
      timeouts: this.#timeouts,
      ignorePasvAddress: options.ignorePasvAddress ?? true,
      active: options.active ?? {},
      dataTls: null,
      modeMemory: options.modeMemory,
      refused: new Set<FtpDataMethod>(),
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
    const tlsMode = options.tls?.mode ?? 'none';
    const socket =
      tlsMode === 'implicit'
        ? await connectTls({ ...tlsOptions(options), port: options.port }, timeouts.connectMs).catch((err: unknown) => {
            throw connectFailure(options, err);
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
    const { signal } = this.#options;
    const connectWait = { timeoutMs: this.#timeouts.connectMs, signal };
    let greeting = await this.#control.nextReply(connectWait);
    while (greeting.code >= 100 && greeting.code < 200) greeting = await this.#control.nextReply(connectWait);
    if (greeting.code !== 220) throw replyError('connect', greeting.code, greeting.message);
    publish(ftpChannels.session, { sessionId: this.id, host: this.#options.host, port: this.#options.port, event: 'open' });

    const tlsMode = this.#options.tls?.mode ?? 'none';
    if (tlsMode === 'explicit') {
      // RFC 4217 §4: AUTH TLS, then the handshake on the same connection.
      await this.#expect('AUTH', 'TLS', [234]);
      let secure: tls.TLSSocket;
      try {
        secure = await this.#control.upgradeToTls(tlsOptions(this.#options), this.#timeouts.connectMs);
      } catch (err) {
        throw err instanceof FtpError ? err : tlsError(err as Error);
      }
      this.#watchTls(secure);
    }
    await this.#login();
    if (mayProbe && !(await this.#learnPipelining())) return false;
    if (tlsMode !== 'none') {
      // RFC 4217 §9: PBSZ 0 then PROT P protects the data connections too.
      await this.#expect('PBSZ', '0', [200]);
      await this.#expect('PROT', 'P', [200]);
      this.#data.dataTls = () => ({ ...tlsOptions(this.#options), session: this.#tlsSession });
    }
    const feat = await this.#command('FEAT');
    this.#features = feat.code === 211 ? parseFeatures(feat.message) : new Map();
    if (this.#encoding.toLowerCase().replace('-', '') === 'utf8' && this.#options.utf8 !== false && this.#features.has('UTF8')) {
      // pure-ftpd answers 504 here although it lists UTF8; names are UTF-8 either way.
      await this.#command('OPTS', 'UTF8 ON');
    }
    return true;
  }

  /**
   * At the first login to a server (one session, while the others go one
   * command at a time): does it answer two commands in one write? One round
   * trip once per server. False when it does not: this session is then
   * destroyed.
   */
  async #learnPipelining(): Promise<boolean> {
    if (!this.#server.claimPipeliningProbe()) return true;
    const boundMs = Math.min(this.#timeouts.commandMs, PIPELINING_PROBE_MS);
    try {
      return await this.#control.probePipelining(boundMs, this.#options.signal);
    } finally {
      this.#server.abandonPipeliningProbe();
    }
  }

  async #login(): Promise<void> {
    const user = this.#options.user ?? 'anonymous';
    const reply = await this.#command('USER', user);
    if (reply.code === 230) return;
    if (reply.code !== 331) throw replyError('USER', reply.code, reply.message);
    const pass = await this.#command('PASS', this.#options.password ?? '');
    if (pass.code === 230 || pass.code === 202) return;
    // 332: the server wants an account (ACCT); the gateway has none to give.
    throw replyError('PASS', pass.code, pass.message);
  }

  #watchTls(socket: tls.TLSSocket): void {
    // TLS 1.3 delivers session tickets after the handshake: keep the newest for data connections.
    socket.on('session', (session: Buffer) => {
      this.#tlsSession = session;
    });
    this.#tlsSession = socket.getSession();
  }

  /** Runs operations one at a time on this session. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #command(verb: string, argument?: string, signal?: AbortSignal): Promise<FtpReply> {
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

  /**
   * Commands without a data connection, in one write when the server is
   * known to take that (FtpControl.exchange decides); their completion
   * replies, in order.
   */
  #pipelined(commands: ReadonlyArray<readonly [string, string?]>, signal?: AbortSignal): Promise<FtpReply[]> {
    return this.#control.exchange(commands, () => this.#completion(signal));
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
    return this.#exclusive(async () => {
      const reply = await this.#expect('PWD', undefined, [257], signal);
      // RFC 959 §7: 257 "/dir/with ""quotes""" is current directory.
      const m = /"((?:[^"]|"")*)"/.exec(reply.message);
      if (!m) throw new FtpError('unparseable PWD reply', { code: 'FTP_PARSE', category: 'protocol', ftpCode: 257, ftpMessage: reply.message });
      return (m[1] as string).replace(/""/g, '"');
    });
  }

  cwd(path: string, signal?: AbortSignal): Promise<void> {
    return this.#exclusive(async () => {
      await this.#expect('CWD', path, [250, 200], signal);
    });
  }

  size(path: string, signal?: AbortSignal): Promise<number | null> {
    return this.#exclusive(() => this.#size(path, signal));
  }

  /** RFC 3659 §4: SIZE in TYPE I (in TYPE A servers answer the on-disk size, or refuse). */
  async #size(path: string, signal?: AbortSignal): Promise<number | null> {
    await this.#setType('binary', signal);
    return sizeFromReply(await this.#command('SIZE', path, signal));
  }

  modifiedAt(path: string, signal?: AbortSignal): Promise<Date | null> {
    return this.#exclusive(() => this.#mdtm(path, signal));
  }

  async #mdtm(path: string, signal?: AbortSignal): Promise<Date | null> {
    return mdtmFromReply(await this.#command('MDTM', path, signal));
  }

  /** What the path is: MLST when FEAT lists it (RFC 3659 §7), else SIZE/MDTM, with CWD to tell directories. */
  stat(path: string, signal?: AbortSignal): Promise<FtpStat | null> {
    return this.#exclusive(async () => {
      if (this.#features.has('MLST')) {
        const reply = await this.#command('MLST', path, signal);
        if (reply.code === 250) {
          const entry = parseMlstReply(reply.message);
          if (entry) return { type: entry.type, size: entry.size, modifiedAt: entry.modifiedAt };
        } else if (reply.code === 550 || reply.code === 450) {
          return null;
        } else if (reply.code < 500 || reply.code > 502) {
          throw replyError('MLST', reply.code, reply.message);
        }
      }
      // SIZE first (one round trip for a file) unless this server answers SIZE
      // for directories too (ftp-srv): then only CWD can tell them apart.
      const directory = { type: 'directory', size: null, modifiedAt: null } as const;
      if ((await this.#sizeAnswersDirectories(signal)) && (await this.#isDirectory(path, signal))) return directory;
      await this.#setType('binary', signal);
      // MDTM goes out with SIZE and is only wasted when the path is no file.
      const [sizeReply, mdtmReply] = (await this.#pipelined([['SIZE', path], ['MDTM', path]], signal)) as [FtpReply, FtpReply];
      let size: number | null;
      try {
        size = sizeFromReply(sizeReply);
      } catch {
        return (await this.#isDirectory(path, signal)) ? directory : null;
      }
      let modifiedAt: Date | null;
      try {
        modifiedAt = mdtmFromReply(mdtmReply);
      } catch {
        modifiedAt = null;
      }
      return { type: 'file', size, modifiedAt };
    });
  }

  /** CWD as a probe: true for a directory, false when the path is no directory (550/450). */
  async #isDirectory(path: string, signal?: AbortSignal): Promise<boolean> {
    const cwd = await this.#command('CWD', path, signal);
    if (cwd.code === 250 || cwd.code === 200) return true;
    if (cwd.code === 550 || cwd.code === 450) return false;
    throw replyError('CWD', cwd.code, cwd.message);
  }

  /** Asked once per session: SIZE of "/" (always a directory) succeeds only on servers that size directories. */
  async #sizeAnswersDirectories(signal?: AbortSignal): Promise<boolean> {
    if (this.#sizeOnDirectories === undefined) {
      await this.#setType('binary', signal);
      const reply = await this.#command('SIZE', '/', signal);
      this.#sizeOnDirectories = reply.code === 213;
    }
    return this.#sizeOnDirectories;
  }

  /** The whole listing, for callers that need it all (at most `maxEntries`, default 1,000,000). */
  list(path: string, options: FtpListOptions = {}): Promise<FtpEntry[]> {
    return this.#exclusive(async () => {
      const maxEntries = options.maxEntries ?? 1_000_000;
      const entries: FtpEntry[] = [];
      await this.#streamList(
        path,
        (batch) => {
          for (const e of batch) entries.push(e);
          if (entries.length > maxEntries) {
            throw new FtpError(`listing has more than ${maxEntries} entries`, { code: 'FTP_PARSE', category: 'protocol' });
          }
        },
        options,
      );
      return entries;
    });
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
    return this.#exclusive(() => this.#streamList(path, onEntries, options));
  }

  async #streamList(path: string, onEntries: FtpEntriesConsumer, options: FtpListOptions): Promise<void> {
    const mlsd = this.#features.has('MLST');
    // CWD first so names with glob characters or a leading "-" are never read as LIST options.
    await this.#expect('CWD', path, [250, 200], options.signal);
    await this.#setType('ascii', options.signal);
    const parser = createListingParser({ format: mlsd ? 'mlsd' : 'list' });
    const decoder = iconv.getDecoder(this.#encoding);
    await this.#receive(mlsd ? 'MLSD' : 'LIST', undefined, options, (chunk) => {
      const entries = parser.push(decoder.write(chunk));
      return entries.length > 0 ? onEntries(entries) : undefined;
    });
    const last = [...parser.push(decoder.end() ?? ''), ...parser.end()];
    if (last.length > 0) await onEntries(last);
  }

  nlst(path: string, options: FtpListOptions = {}): Promise<string[]> {
    return this.#exclusive(async () => {
      await this.#expect('CWD', path, [250, 200], options.signal);
      await this.#setType('ascii', options.signal);
      const decoder = iconv.getDecoder(this.#encoding);
      let text = '';
      await this.#receive('NLST', undefined, options, (chunk) => {
        text += decoder.write(chunk);
        if (text.length > 64 * 1024 * 1024) throw new FtpError('NLST too long', { code: 'FTP_PARSE', category: 'protocol' });
      });
      text += decoder.end() ?? '';
      // pure-ftpd lists "." and ".." here too.
      return text.split(/\r?\n/).filter((n) => n !== '' && n !== '.' && n !== '..');
    });
  }

  /**
   * A listing-style transfer, read chunk by chunk; fully read before the
   * final reply counts. The caller's signal stops it at any point, also while
   * `consume` waits (a client that left must not keep a server streaming to
   * us): the data connection is closed at once, then ABOR.
   */
  async #receive(
    verb: 'LIST' | 'MLSD' | 'NLST',
    argument: string | undefined,
    options: FtpListOptions,
    consume: (chunk: Buffer) => void | Promise<void>,
  ): Promise<void> {
    const { signal } = options;
    const opened = await openTransfer(this.#data, options.mode ?? 'auto', verb, argument, signal);
    const started = Date.now();
    let bytes = 0;
    const source = new DownloadSource({
      socket: opened.socket,
      final: opened.final,
      limit: null,
      dataTimeoutMs: this.#timeouts.dataMs,
      onBytes: (n) => {
        bytes += n;
        this.#bytes += n;
      },
    });
    let rejectAborted: ((err: FtpError) => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => (rejectAborted = reject));
    aborted.catch(() => undefined);
    const onAbort = (): void => {
      const err = abortedError(signal?.reason);
      source.destroy(err);
      rejectAborted?.(err);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of source) {
        const pending = consume(chunk as Buffer);
        if (pending) await Promise.race([pending, aborted]);
      }
    } catch (err) {
      await this.#afterFailedTransfer(opened.tcp, opened.final);
      this.#publishTransfer('list', opened.method, 'ascii', bytes, started, false);
      throw signal?.aborted ? abortedError(signal.reason) : err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    this.#publishTransfer('list', opened.method, 'ascii', bytes, started, true);
  }

  download(path: string, destination: Writable, options: FtpDownloadOptions = {}): Promise<FtpTransferResult> {
    return this.#exclusive(async () => {
      const type = options.type ?? 'binary';
      // Everything is checked before the first command: a bad argument sends nothing.
      assertSafeArgument(path, 'RETR argument');
      const range = checkByteRange(options.offset, options.length);
      const offset = type === 'binary' ? range.offset : 0;
      const limit = type === 'binary' ? range.length : null;
      const { signal } = options;
      await this.#setType(type, signal);
      const opened = await openTransfer(this.#data, options.mode ?? 'auto', 'RETR', path, signal, offset);
      const started = Date.now();
      let wire = 0;
      const onBytes = (n: number): void => {
        wire += n;
        this.#bytes += n;
        options.onProgress?.({ bytes: wire });
      };
      if (this.#options.kernelRelay !== false && isDirectTarget(destination)) {
        let relayed;
        try {
          relayed = await relayDownload(opened, destination, {
            limit,
            ...(type === 'ascii' ? { eol: options.eol ?? 'lf' } : {}),
            dataTimeoutMs: this.#timeouts.dataMs,
            ...(signal ? { signal } : {}),
            onTotal: (total) => onBytes(total - wire),
          });
        } catch (err) {
          await this.#afterFailedTransfer(opened.tcp, opened.final);
          this.#publishTransfer('download', opened.method, type, wire, started, false, true);
          throw transferError(err, signal);
        }
        if (relayed) {
          opened.tcp.destroy();
          if (relayed.limitReached) await abortTransfer(this.#data, opened.final);
          this.#publishTransfer('download', opened.method, type, wire, started, true, true);
          return { bytes: wire, localBytes: relayed.localBytes, method: opened.method };
        }
        // Not started: nothing was read, the stream path takes the data connection as it is.
      }
      const source = new DownloadSource({
        socket: opened.socket,
        final: opened.final,
        limit,
        dataTimeoutMs: this.#timeouts.dataMs,
        onBytes,
      });
      // Binary: local bytes are the wire bytes DownloadSource counts, so no extra
      // stage in the hot path; ASCII: counted after the decoder changed them.
      let decoded = 0;
      const stages =
        type === 'ascii'
          ? [source, createAsciiDecoder(options.eol ?? 'lf'), countingStream((n) => (decoded += n))]
          : [source];
      try {
        await pipeline([...stages, destination], signal ? { signal } : {});
      } catch (err) {
        await this.#afterFailedTransfer(opened.tcp, opened.final);
        this.#publishTransfer('download', opened.method, type, wire, started, false);
        throw transferError(err, signal);
      }
      if (source.limitReached) await abortTransfer(this.#data, opened.final);
      this.#publishTransfer('download', opened.method, type, wire, started, true);
      return { bytes: wire, localBytes: type === 'ascii' ? decoded : wire, method: opened.method };
    });
  }

  upload(path: string, source: Readable, options: FtpUploadOptions = {}): Promise<FtpTransferResult> {
    return this.#exclusive(async () => {
      const type = options.type ?? 'binary';
      const { signal } = options;
      const verb = options.append ? 'APPE' : 'STOR';
      assertSafeArgument(path, `${verb} argument`);
      await this.#setType(type, signal);
      const opened = await openTransfer(this.#data, options.mode ?? 'auto', verb, path, signal);
      const started = Date.now();
      let local = 0;
      let wire = 0;
      const socket = opened.socket;
      socket.setTimeout(this.#timeouts.dataMs, () =>
        socket.destroy(new FtpError(`data connection idle for ${this.#timeouts.dataMs} ms`, { code: 'FTP_TIMEOUT', category: 'timeout' })),
      );
      const localCounter = countingStream((n) => {
        local += n;
        this.#bytes += n;
        if (type === 'binary') options.onProgress?.({ bytes: local });
      });
      const stages: Array<Readable | Transform> = [source, localCounter];
      if (type === 'ascii') {
        stages.push(createAsciiEncoder());
        stages.push(
          countingStream((n) => {
            wire += n;
            options.onProgress?.({ bytes: wire });
          }),
        );
      }
      stages.push(corkPerTurn(socket));
      let relayed: { local: number; wire: number } | null = null;
      let viaRelay = false;
      try {
        if (this.#options.kernelRelay !== false && isDirectSource(source) && opened.socket === opened.tcp) {
          viaRelay = true;
          relayed = await relayUpload(opened.tcp, source, {
            toCrlf: type === 'ascii',
            dataTimeoutMs: this.#timeouts.dataMs,
            ...(signal ? { signal } : {}),
            onTotal: (l, w) => {
              this.#bytes += l - local;
              local = l;
              wire = w;
              options.onProgress?.({ bytes: type === 'ascii' ? wire : local });
            },
          });
          viaRelay = relayed !== null;
        }
        if (relayed !== null) {
          await new Promise<void>((resolve, reject) => socket.end((err?: Error | null) => (err ? reject(err) : resolve())));
        } else {
          // Ending the TLS socket sends close_notify before FIN: vsftpd truncates uploads without it.
          await pipeline([...stages, socket], signal ? { signal } : {});
        }
        await opened.final.expectSuccess();
        socket.destroy();
      } catch (err) {
        // A reset (not a FIN) tells the server the upload is incomplete.
        if (!opened.tcp.destroyed) opened.tcp.resetAndDestroy();
        let serverSaid: FtpError | null = null;
        if (!this.#control.closed) {
          try {
            const reply = await opened.final.wait(this.#timeouts.commandMs);
            if (reply.code >= 400) serverSaid = replyError(verb, reply.code, reply.message);
          } catch {
            /* the wait destroyed the session */
          }
        }
        this.#publishTransfer('upload', opened.method, type, wire || local, started, false, viaRelay);
        // The server's reply (e.g. 552 quota) says more than the broken pipe it caused.
        throw signal?.aborted ? abortedError(signal.reason) : (serverSaid ?? transferError(err, signal));
      }
      if (type === 'binary') wire = local;
      this.#publishTransfer('upload', opened.method, type, wire, started, true, viaRelay);
      return { bytes: wire, localBytes: local, method: opened.method };
    });
  }

  /** After a download or listing failed midway: close the data side and ABOR so the session stays in step. */
  async #afterFailedTransfer(tcp: net.Socket, final: FinalReply): Promise<void> {
    tcp.destroy();
    await abortTransfer(this.#data, final);
  }

  delete(path: string, signal?: AbortSignal): Promise<void> {
    return this.#exclusive(async () => void (await this.#expect('DELE', path, [250, 200], signal)));
  }

  mkdir(path: string, signal?: AbortSignal): Promise<void> {
    return this.#exclusive(async () => void (await this.#expect('MKD', path, [257, 250], signal)));
  }

  rmdir(path: string, signal?: AbortSignal): Promise<void> {
    return this.#exclusive(async () => void (await this.#expect('RMD', path, [250, 200], signal)));
  }

  rename(from: string, to: string, signal?: AbortSignal): Promise<void> {
    return this.#exclusive(async () => {
      await this.#expect('RNFR', from, [350], signal);
      await this.#expect('RNTO', to, [250, 200], signal);
    });
  }

  noop(signal?: AbortSignal): Promise<void> {
    return this.#exclusive(async () => void (await this.#expect('NOOP', undefined, [200], signal)));
  }

  /** Sends a raw command and returns its completion reply (for tests and diagnostics). */
  raw(verb: string, argument?: string, signal?: AbortSignal): Promise<FtpReply> {
    return this.#exclusive(() => this.#command(verb, argument, signal));
  }

  quit(): Promise<void> {
    return this.#exclusive(async () => {
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

  #publishTransfer(
    direction: 'upload' | 'download' | 'list',
    method: FtpDataMethod,
    type: FtpTransferType,
    bytes: number,
    started: number,
    ok: boolean,
    kernelRelay = false,
  ): void {
    publish(ftpChannels.transfer, {
      sessionId: this.id,
      host: this.#options.host,
      direction,
      method,
      type,
      bytes,
      durationMs: Date.now() - started,
      ok,
      kernelRelay,
    });
  }
}

export function connectFtp(options: FtpConnectOptions): Promise<FtpClient> {
  return FtpClient.connect(options);
}

function tlsOptions(options: FtpConnectOptions): tls.ConnectionOptions {
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

function connectTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => fail(new FtpError(`no connection to ${host}:${port} within ${timeoutMs} ms`, { code: 'FTP_TIMEOUT', category: 'timeout' })), timeoutMs);
    const onAbort = (): void => fail(abortedError(signal?.reason));
    function fail(err: FtpError): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    }
    socket.once('error', (err) => fail(connectFailure({ host, port }, err)));
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function connectFailure(target: { host: string; port: number }, err: unknown): FtpError {
  if (err instanceof FtpError) return err;
  return new FtpError(`cannot connect to ${target.host}:${target.port}: ${(err as Error).message}`, {
    code: 'FTP_CONNECT_FAILED',
    category: 'unavailable',
    cause: err,
  });
}

/** A pass-through stage that counts bytes (no copy, no allocation per chunk). */
function countingStream(count: (n: number) => void): Transform {
  return new Transform({
    highWaterMark: 256 * 1024,
    transform(chunk: Buffer, _enc, callback) {
      count(chunk.length);
      callback(null, chunk);
    },
  });
}

function transferError(err: unknown, signal?: AbortSignal): FtpError {
  if (signal?.aborted) return abortedError(signal.reason);
  if (err instanceof FtpError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ABORT_ERR') return abortedError(e);
  return new FtpError(`transfer failed: ${e?.message ?? String(err)}`, {
    code: 'FTP_TRANSFER_INCOMPLETE',
    category: 'protocol',
    cause: err,
  });
}


/** SIZE's 213 as a number; 550/450 (no such file) throws FTP_REPLY; anything else: SIZE not supported. */
function sizeFromReply(reply: FtpReply): number | null {
  if (reply.code === 213) {
    const n = Number(replyText(reply).trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  }
  if (reply.code === 550 || reply.code === 450) throw replyError('SIZE', reply.code, reply.message);
  return null;
}

function mdtmFromReply(reply: FtpReply): Date | null {
  if (reply.code === 213) return parseMlsxTimestamp(replyText(reply));
  if (reply.code === 550 || reply.code === 450) throw replyError('MDTM', reply.code, reply.message);
  return null;
}
