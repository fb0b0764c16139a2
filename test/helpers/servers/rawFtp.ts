// A deliberately tiny FTP control-connection client for testing the test
// servers themselves and for capturing raw listings. It does not use
// src/ftp, so launcher tests stay independent of the client under test.
import { once } from 'node:events';
import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface RawReply {
  readonly code: number;
  /** All lines of the reply, CRLF removed, joined with "\n". */
  readonly text: string;
}

const REPLY_TIMEOUT_MS = 10_000;

export class RawFtpControl {
  #socket: Socket;
  #buffer = '';
  #lines: string[] = [];
  #waiter: (() => void) | undefined;
  #closed = false;
  greeting: RawReply = { code: 0, text: '' };

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  #attach(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let end: number;
      while ((end = this.#buffer.indexOf('\n')) >= 0) {
        this.#lines.push(this.#buffer.slice(0, end).replace(/\r$/, ''));
        this.#buffer = this.#buffer.slice(end + 1);
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {
      // surfaced as a closed connection by read()
    });
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  /** Connects and reads the greeting (which may be a 421 refusal). */
  static async connect(port: number, options: { implicitTlsCa?: string } = {}): Promise<RawFtpControl> {
    const socket: Socket = options.implicitTlsCa
      ? tlsConnect({ host: '127.0.0.1', port, ca: options.implicitTlsCa, servername: 'localhost' })
      : netConnect({ host: '127.0.0.1', port });
    await once(socket, options.implicitTlsCa ? 'secureConnect' : 'connect');
    const control = new RawFtpControl(socket);
    control.greeting = await control.read();
    return control;
  }

  get closed(): boolean {
    return this.#closed && this.#lines.length === 0;
  }

  get tlsSocket(): TLSSocket | undefined {
    return 'encrypted' in this.#socket ? (this.#socket as TLSSocket) : undefined;
  }

  async #nextLine(deadline: number): Promise<string | undefined> {
    while (this.#lines.length === 0) {
      if (this.#closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for an FTP reply');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.#lines.shift();
  }

  /** Reads one reply (RFC 959 §4.2: "123-" opens a multi-line reply that ends at "123 "). Code 0 = connection closed. */
  async read(): Promise<RawReply> {
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    const first = await this.#nextLine(deadline);
    if (first === undefined) return { code: 0, text: '' };
    const lines = [first];
    const code = Number(first.slice(0, 3));
    if (first[3] === '-') {
      for (;;) {
        const line = await this.#nextLine(deadline);
        if (line === undefined) break;
        lines.push(line);
        if (line.startsWith(`${first.slice(0, 3)} `)) break;
      }
    }
    return { code: Number.isInteger(code) ? code : -1, text: lines.join('\n') };
  }

  async send(command: string): Promise<RawReply> {
    if (this.#closed) return { code: 0, text: '' };
    this.#socket.write(`${command}\r\n`);
    return this.read();
  }

  /** USER then PASS (when asked for); resolves the last reply. */
  async login(user: string, password: string): Promise<RawReply> {
    const reply = await this.send(`USER ${user}`);
    if (reply.code !== 331) return reply;
    return this.send(`PASS ${password}`);
  }

  /** Explicit FTPS (RFC 4217 §4): AUTH TLS, then TLS on the same socket. */
  async authTls(ca: string): Promise<RawReply> {
    const reply = await this.send('AUTH TLS');
    if (reply.code !== 234) return reply;
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = tlsConnect({ socket: plain, ca, servername: 'localhost' });
    await once(secure, 'secureConnect');
    this.#socket = secure;
    this.#attach(secure);
    return reply;
  }

  /** Opens a passive data connection via EPSV (RFC 2428 §3), PASV as fallback. */
  async passive(): Promise<Socket> {
    const epsv = await this.send('EPSV');
    let port: number | undefined;
    if (epsv.code === 229) port = Number(/\|\|\|(\d+)\|/.exec(epsv.text)?.[1]);
    else {
      const pasv = await this.send('PASV');
      const numbers = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(pasv.text);
      if (pasv.code === 227 && numbers) port = Number(numbers[5]) * 256 + Number(numbers[6]);
    }
    if (port === undefined || !Number.isInteger(port)) throw new Error(`no passive port: ${epsv.text}`);
    const data = netConnect({ host: '127.0.0.1', port });
    await once(data, 'connect');
    return data;
  }

  /** Runs a listing command (LIST, MLSD, NLST) over a passive connection and returns the bytes exactly as sent. */
  async listing(command: string): Promise<{ data: Buffer; start: RawReply; end: RawReply }> {
    const data = await this.passive();
    const chunks: Buffer[] = [];
    data.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = once(data, 'close');
    const start = await this.send(command);
    if (start.code !== 150 && start.code !== 125) {
      data.destroy();
      return { data: Buffer.alloc(0), start, end: start };
    }
    await ended;
    const end = await this.read();
    return { data: Buffer.concat(chunks), start, end };
  }

  /** Runs a listing command over an active connection (EPRT, RFC 2428 §2) to a listener of ours. */
  async activeListing(command: string): Promise<{ data: Buffer; eprt: RawReply; end: RawReply }> {
    const listener = createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const { port } = listener.address() as AddressInfo;
      const eprt = await this.send(`EPRT |1|127.0.0.1|${port}|`);
      if (eprt.code !== 200) return { data: Buffer.alloc(0), eprt, end: eprt };
      const accepted = once(listener, 'connection');
      const start = await this.send(command);
      if (start.code !== 150 && start.code !== 125) return { data: Buffer.alloc(0), eprt, end: start };
      const [data] = (await accepted) as [Socket];
      const chunks: Buffer[] = [];
      data.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(data, 'close');
      const end = await this.read();
      return { data: Buffer.concat(chunks), eprt, end };
    } finally {
      listener.close();
    }
  }

  close(): void {
    this.#socket.destroy();
  }

  async quit(): Promise<void> {
    await this.send('QUIT').catch(() => undefined);
    this.close();
  }
}
