import type { Socket } from 'node:net';
import type tls from 'node:tls';
import iconv from 'iconv-lite';
import { abortedError, closedError, FtpError, timeoutError } from '../errors.js';
import { connectTls } from '../net.js';
import { ftpChannels, publish, type FtpServerEvent } from '../diagnostics.js';
import { FtpReplyParser } from '../reply/ftpReplyParser.js';
import type { FtpReply } from '../reply/ftpReply.js';
import type { FtpServerKnowledge } from '../types.js';
import { assertSafeArgument } from './safeArgument.js';

export interface FtpControlOptions {
  sessionId: number;
  host: string;
  port: number;
  encoding: string;
  /** Whether this server takes several commands in one write: the switch every send-ahead goes through. */
  server: FtpServerKnowledge;
}

type Command = readonly [verb: string, argument?: string | undefined];

/** How long the pipelining probe waits for its two replies (at most commandMs): a server that takes both answers within a round trip. */
const PIPELINING_PROBE_MS = 2_000;

export interface WaitOptions {
  /** null: no timeout (the data timeout guards the transfer instead). */
  timeoutMs: number | null;
  signal?: AbortSignal | undefined;
}

interface Waiter {
  resolve: (reply: FtpReply) => void;
  reject: (err: Error) => void;
}

/**
 * One control connection: writes commands, groups replies, and knows whether
 * it is still in a known state. It does not serialise operations itself; the
 * client holds a lock around each command sequence.
 *
 * Replies that arrive with nobody waiting are queued: a server may send the
 * final 226 of a transfer before the client has read the data to its end.
 *
 * It counts the completion replies (2xx-5xx) still due: every command gets
 * exactly one (RFC 959 §4.2; a 1xx comes before it, a transfer's 1xx before
 * its 226, ABOR's own after the transfer's). A connection whose every
 * command was answered and every reply read is `inStep`; the client
 * destroys one that is not once an operation is over, so a session is
 * never reused out of step, whatever path led there.
 */
export class FtpControl {
  readonly #options: FtpControlOptions;
  #socket: Socket;
  #decoder: iconv.DecoderStream;
  readonly #parser = new FtpReplyParser();
  readonly #queue: FtpReply[] = [];
  #waiter: Waiter | null = null;
  #closedError: FtpError | null = null;
  #lastVerb: string | undefined;
  #lastActivity = Date.now();
  /** Completion replies due, the greeting's included. */
  #due = 1;
  readonly #onData = (chunk: Buffer): void => this.#receive(chunk);
  readonly #onClose = (): void => this.#fail(closedError('control connection closed'));
  readonly #onError = (err: Error): void => this.#fail(closedError(`control connection failed: ${err.message}`, err));
  readonly #closeListeners: Array<(err: FtpError) => void> = [];

  constructor(socket: Socket, options: FtpControlOptions) {
    this.#options = options;
    this.#socket = socket;
    this.#decoder = iconv.getDecoder(options.encoding);
    this.#attach(socket);
  }

  get socket(): Socket {
    return this.#socket;
  }

  get closed(): boolean {
    return this.#closedError !== null;
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  /** True when every command sent was answered and every reply was read. */
  get inStep(): boolean {
    return this.#due === 0 && this.#queue.length === 0 && this.#waiter === null;
  }

  /**
   * ABOR's own reply (RFC 959 §4.1.3) answers every command before it, also
   * one the server left without a completion reply: pure-ftpd answers an
   * aborted RETR with "150 0.001 seconds (measured here), …" and then only
   * ABOR's "226 Since you see this ABOR must've succeeded".
   */
  abortAnswered(): void {
    this.#due = 0;
  }

  /** Called once when the connection is lost or destroyed, with the reason. */
  onClose(listener: (err: FtpError) => void): void {
    this.#closeListeners.push(listener);
  }

  /**
   * Sends a command and waits for the next reply (which may be a 1xx
   * preliminary one). Nothing is sent for a caller that has gone already:
   * its reply would be due, and the session lost for it.
   */
  async request(verb: string, argument: string | undefined, wait: WaitOptions): Promise<FtpReply> {
    if (wait.signal?.aborted) throw abortedError(wait.signal.reason);
    this.send(verb, argument);
    return this.nextReply(wait);
  }

  /** Writes one command line. Throws FTP_BAD_ARGUMENT before writing anything when the line is unsafe. */
  send(verb: string, argument?: string): void {
    this.#write([[verb, argument]]);
  }

  /**
   * Several commands, each answered through `readOne(i)` (which reads all of
   * command i's replies). RFC 959 lets a client send ahead, but some servers
   * read one command per read and answer a batch once: so the commands go in
   * one write only when this server is known to take that, else one at a
   * time, each after the previous one was answered. Every line is checked
   * before any is written. A batch not read to its end (a timeout, an abort,
   * a throwing `readOne`) leaves replies outstanding: the session is
   * destroyed, never reused out of step. Replies that stop coming after some
   * came also mean the server read the batch as fewer commands: it is sent
   * no more batches.
   */
  async exchange<T>(commands: readonly Command[], readOne: (index: number) => Promise<T>): Promise<T[]> {
    const results: T[] = [];
    if (commands.length < 2 || this.#options.server.pipelining !== true) {
      for (const command of commands) this.#check(command);
      for (const [i, command] of commands.entries()) {
        this.#write([command]);
        results.push(await readOne(i));
      }
      return results;
    }
    this.#write(commands);
    for (let i = 0; i < commands.length; i++) {
      try {
        results.push(await readOne(i));
      } catch (err) {
        if (i > 0 && isTimeout(err)) this.#learnPipelining(false, 'batch-unanswered');
        this.destroy(closedError('a pipelined batch was not read to its end', err));
        throw err;
      }
    }
    return results;
  }

  /**
   * At the first login to a server (one session, while the others go one
   * command at a time): does it answer two commands in one write? One round
   * trip once per server. False when it does not: this session is then
   * destroyed.
   */
  async learnPipeliningOnce(commandMs: number, signal?: AbortSignal): Promise<boolean> {
    const server = this.#options.server;
    if (!server.claimPipeliningProbe()) return true;
    try {
      return await this.probePipelining(Math.min(commandMs, PIPELINING_PROBE_MS), signal);
    } finally {
      server.abandonPipeliningProbe();
    }
  }

  /**
   * Finds out once whether the server answers two commands sent in one
   * write: NOOP twice must bring two completion replies within `boundMs`.
   * A server that reads one command per read answers once; the session is
   * then out of step and destroyed. Resolves what was learned (also
   * recorded in the server knowledge); rejects only when aborted.
   */
  async probePipelining(boundMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + boundMs;
    let supported = true;
    try {
      this.#write([['NOOP'], ['NOOP']]);
      for (let i = 0; i < 2; i++) {
        let reply: FtpReply;
        do reply = await this.nextReply({ timeoutMs: Math.max(1, deadline - Date.now()), signal });
        while (reply.code < 200);
      }
    } catch (err) {
      if (err instanceof FtpError && err.code === 'FTP_ABORTED') throw err;
      // No answer in time, or the connection dropped on it: either way one
      // command at a time is safe, and costs only round trips.
      supported = false;
      this.destroy(err instanceof FtpError ? err : closedError(String(err)));
    }
    this.#learnPipelining(supported, 'probe');
    return supported;
  }

  #learnPipelining(supported: boolean, how: Extract<FtpServerEvent, { fact: 'pipelining' }>['how']): void {
    if (!this.#options.server.learnPipelining(supported)) return;
    const { host, port, sessionId } = this.#options;
    publish(ftpChannels.server, () => ({ sessionId, host, port, fact: 'pipelining', value: supported, how }) satisfies FtpServerEvent);
  }

  #check([verb, argument]: Command): void {
    assertSafeArgument(verb, 'command');
    if (argument !== undefined) assertSafeArgument(argument, `${verb} argument`);
  }

  /** Every line checked, then all in one socket write. Only send() and exchange() decide what goes together. */
  #write(commands: readonly Command[]): void {
    for (const command of commands) this.#check(command);
    if (this.#closedError) throw this.#closedError;
    let lines = '';
    for (const [verb, argument] of commands) {
      const text = argument === undefined ? verb : `${verb} ${argument}`;
      this.#lastVerb = verb;
      publish(ftpChannels.command, () => ({
        sessionId: this.#options.sessionId,
        host: this.#options.host,
        verb,
        text: verb === 'PASS' || verb === 'ACCT' ? `${verb} ****` : text,
      }));
      lines += `${text}\r\n`;
      this.#due++;
    }
    this.#socket.write(iconv.encode(lines, this.#options.encoding));
  }

  /**
   * Waits for the next complete reply. A timeout or an abort leaves the reply
   * due, the connection in an unknown state: it is destroyed.
   */
  nextReply(wait: WaitOptions): Promise<FtpReply> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closedError) return Promise.reject(this.#closedError);
    if (this.#waiter) return Promise.reject(new Error('FtpControl: concurrent reply waits'));
    return new Promise<FtpReply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const signal = wait.signal;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiter = null;
      };
      const onAbort = (): void => {
        cleanup();
        // The reply is still owed: read later, it would pass for the answer
        // to the next command. As after a timeout, the session is gone.
        const err = abortedError(signal?.reason);
        this.destroy(closedError('aborted while a reply was due', err));
        reject(err);
      };
      this.#waiter = {
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      if (wait.timeoutMs !== null) {
        timer = setTimeout(() => {
          const err = timeoutError(`no reply to ${this.#lastVerb ?? 'connect'}`, wait.timeoutMs as number, this.#lastVerb);
          cleanup();
          this.destroy(err);
          reject(err);
        }, wait.timeoutMs);
      }
      if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** Replaces the socket by a TLS socket over it (AUTH TLS, RFC 4217 §4). */
  async upgradeToTls(options: tls.ConnectionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
    const plain = this.#socket;
    this.#detach(plain);
    const secure = await connectTls({ ...options, socket: plain }, timeoutMs);
    this.#socket = secure;
    this.#attach(secure);
    return secure;
  }

  /** Ends the connection at once; pending waits fail with `reason`. */
  destroy(reason?: FtpError): void {
    this.#fail(reason ?? closedError('session closed'));
    this.#socket.destroy();
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('close', this.#onClose);
    socket.off('error', this.#onError);
  }

  #receive(chunk: Buffer): void {
    this.#lastActivity = Date.now();
    let replies: FtpReply[];
    try {
      replies = this.#parser.push(this.#decoder.write(chunk));
    } catch (err) {
      this.destroy(err instanceof FtpError ? err : closedError(String(err)));
      return;
    }
    for (const reply of replies) {
      publish(ftpChannels.reply, () => ({
        sessionId: this.#options.sessionId,
        host: this.#options.host,
        verb: this.#lastVerb,
        code: reply.code,
        message: reply.message,
      }));
      if (reply.code >= 200 && this.#due > 0) this.#due--;
      if (this.#waiter) this.#waiter.resolve(reply);
      else this.#queue.push(reply);
      // RFC 959 §4.2: 421 may come at any time and means the server is closing the session.
      if (reply.code === 421) {
        this.destroy(closedError(`server closed the session: ${reply.message}`, undefined, reply));
        return;
      }
    }
  }

  #fail(err: FtpError): void {
    if (this.#closedError) return;
    this.#closedError = err;
    this.#waiter?.reject(err);
    for (const listener of this.#closeListeners.splice(0)) listener(err);
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof FtpError && err.code === 'FTP_TIMEOUT';
}
