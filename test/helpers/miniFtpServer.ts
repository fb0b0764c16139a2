// A small but real FTP server over a temporary folder, for behaviour no
// installed server has: `reading: 'one-per-read'` treats every `data` event
// on the control connection as exactly one command line, the way some
// embedded servers and servers written on socket libraries do. Sent
// "SIZE /a\r\nMDTM /a\r\n" in one write, it sees one command
// ("SIZE" with the argument "/a\r\nMDTM /a") and answers once.
// `reading: 'lines'` splits at CRLF like any real server (and so takes
// pipelined commands). Commands: USER PASS FEAT SYST OPTS TYPE SIZE MDTM CWD
// CDUP PWD EPSV PASV EPRT PORT REST RETR STOR APPE LIST NLST DELE MKD RMD RNFR
// RNTO NOOP ABOR QUIT. No MLST: the servers in question do not have it, and
// without it the client's stat takes the SIZE+MDTM path.
// `persona` makes it answer as a legacy server does (legacyFtpServer.ts: the
// transcripts of IIS, z/OS, OS/400 and VMS): its greeting, replies in place
// of its own (or refusals), PWD, transfer replies, listing form, control
// encoding and a 332 that wants ACCT.
import net from 'node:net';
import iconv from 'iconv-lite';
import { mkdtempSync, promises as fs, rmSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

export interface MiniFtpServerOptions {
  reading: 'lines' | 'one-per-read';
  persona?: Persona;
}

/** How a legacy server answers; templates fill `{arg}`, `{path}` and `{size}`. */
export interface Persona {
  /** The whole greeting, lines joined by CRLF. */
  greeting: string;
  /** Replies by verb, instead of the mini server's own (a refusal such as "500 …" for a command it lacks). */
  replies: Readonly<Record<string, string>>;
  pwd: string;
  /** The 1xx of RETR, STOR, APPE, LIST and NLST. */
  opening: string;
  /** Their 2xx. */
  complete: string;
  /** The 2xx of RETR, LIST and NLST goes out as soon as the data is handed to the socket, before it closes. */
  completeBeforeClose?: boolean;
  listing: 'unix' | 'dos';
  /** Control channel and listing names (iconv-lite). */
  encoding: string;
  /** PASS answers 332 and ACCT must name this. */
  account?: string;
}

export interface MiniFtpServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The served folder on disk. */
  root: string;
  /** Every `data` event on a control connection, as text, in order. */
  reads: string[];
  /** Control connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

const USER = 'mini';
const PASSWORD = 'mini-secret';
const DATA_WAIT_MS = 5_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export async function startMiniFtpServer(options: MiniFtpServerOptions): Promise<MiniFtpServer> {
  const root = mkdtempSync(join(tmpdir(), 'mini-ftp-'));
  const reads: string[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const session = new Session(socket, root, sockets, options.persona);
    let chain = Promise.resolve();
    const handle = (line: string): void => {
      chain = chain.then(() => session.handle(line)).catch(() => void socket.destroy());
    };
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      const text = iconv.decode(chunk, options.persona?.encoding ?? 'utf8');
      reads.push(text);
      if (options.reading === 'one-per-read') {
        handle(text.replace(/\r?\n$/, ''));
        return;
      }
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\r\n')) >= 0) {
        handle(pending.slice(0, nl));
        pending = pending.slice(nl + 2);
      }
    });
    session.reply(options.persona?.greeting ?? '220 mini FTP ready');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    user: USER,
    password: PASSWORD,
    root,
    reads,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(root, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

class Session {
  readonly #socket: net.Socket;
  readonly #root: string;
  /** Data sockets too, so close() leaves nothing open. */
  readonly #sockets: Set<net.Socket>;
  #loggedIn = false;
  #user: string | null = null;
  #cwd = '/';
  #type: 'A' | 'I' = 'A';
  #restAt = 0;
  #renameFrom: string | null = null;
  #data: (() => Promise<net.Socket>) | null = null;
  #dataListener: net.Server | null = null;
  readonly #persona: Persona | undefined;
  readonly #encoding: string;

  constructor(socket: net.Socket, root: string, sockets: Set<net.Socket>, persona?: Persona) {
    this.#socket = socket;
    this.#root = root;
    this.#sockets = sockets;
    this.#persona = persona;
    this.#encoding = persona?.encoding ?? 'utf8';
    socket.on('close', () => this.#dataListener?.close());
  }

  reply(text: string): void {
    if (!this.#socket.destroyed) this.#socket.write(iconv.encode(`${text}\r\n`, this.#encoding));
  }

  async handle(line: string): Promise<void> {
    const space = line.indexOf(' ');
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const arg = space < 0 ? '' : line.slice(space + 1);
    if (verb === 'USER') {
      this.#user = arg;
      return this.reply('331 password please');
    }
    if (verb === 'PASS') {
      const right = this.#user === USER && arg === PASSWORD;
      if (right && this.#persona?.account !== undefined) return this.reply('332 Need account for login.');
      this.#loggedIn = right;
      return this.reply(this.#loggedIn ? '230 logged in' : '530 login incorrect');
    }
    if (verb === 'ACCT' && this.#persona?.account !== undefined) {
      this.#loggedIn = this.#user === USER && arg === this.#persona.account;
      return this.reply(this.#loggedIn ? '230 logged in' : '530 account incorrect');
    }
    if (verb === 'QUIT') {
      this.reply('221 bye');
      this.#socket.end();
      return;
    }
    if (!this.#loggedIn) return this.reply('530 please log in');
    const scripted = this.#persona?.replies[verb];
    if (scripted !== undefined) return this.reply(scripted.replaceAll('{arg}', arg));
    const path = this.#resolve(arg);
    switch (verb) {
      case 'NOOP':
        return this.reply('200 NOOP ok');
      case 'FEAT':
        return this.reply('211-Features:\r\n SIZE\r\n MDTM\r\n EPSV\r\n REST STREAM\r\n211 End');
      case 'SYST':
        return this.reply('215 UNIX Type: L8');
      case 'OPTS':
        return this.reply('501 no options');
      case 'TYPE': {
        const t = arg.toUpperCase();
        if (t !== 'A' && t !== 'I' && t !== 'A N') return this.reply('504 type not supported');
        this.#type = t === 'I' ? 'I' : 'A';
        return this.reply(`200 type set to ${this.#type}`);
      }
      case 'PWD':
        if (this.#persona) return this.reply(this.#persona.pwd.replaceAll('{path}', this.#cwd.replace(/"/g, '""')));
        return this.reply(`257 "${this.#cwd.replace(/"/g, '""')}" is the current directory`);
      case 'CWD':
      case 'CDUP': {
        const target = verb === 'CDUP' ? posix.dirname(this.#cwd) : path;
        if (!(await this.#stat(target))?.isDirectory()) return this.reply('550 failed to change directory');
        this.#cwd = target;
        return this.reply('250 directory changed');
      }
      case 'SIZE': {
        const st = await this.#stat(path);
        return this.reply(st?.isFile() ? `213 ${st.size}` : '550 could not get file size');
      }
      case 'MDTM': {
        const st = await this.#stat(path);
        return this.reply(st?.isFile() ? `213 ${mdtm(st.mtime)}` : '550 could not get modification time');
      }
      case 'DELE':
        return this.#try(() => fs.unlink(this.#disk(path)), '250 deleted', '550 delete failed');
      case 'MKD':
        return this.#try(() => fs.mkdir(this.#disk(path)), `257 "${path}" created`, '550 create failed');
      case 'RMD':
        return this.#try(() => fs.rmdir(this.#disk(path)), '250 removed', '550 remove failed');
      case 'RNFR':
        if (!(await this.#stat(path))) return this.reply('550 no such file');
        this.#renameFrom = path;
        return this.reply('350 ready for RNTO');
      case 'RNTO': {
        const from = this.#renameFrom;
        this.#renameFrom = null;
        if (from === null) return this.reply('503 RNFR first');
        return this.#try(() => fs.rename(this.#disk(from), this.#disk(path)), '250 renamed', '550 rename failed');
      }
      case 'REST': {
        const n = Number(arg);
        if (!Number.isSafeInteger(n) || n < 0) return this.reply('501 bad offset');
        this.#restAt = n;
        return this.reply(`350 restarting at ${n}`);
      }
      case 'EPSV':
      case 'PASV':
        return this.#passive(verb);
      case 'EPRT':
      case 'PORT':
        return this.#active(verb, arg);
      case 'RETR':
        return this.#retrieve(path);
      case 'STOR':
      case 'APPE':
        return this.#store(path, verb === 'APPE');
      case 'LIST':
      case 'NLST':
        return this.#list(path, verb);
      case 'ABOR':
        return this.reply('225 no transfer to abort');
      default:
        return this.reply(`500 unknown command ${JSON.stringify(verb)}`);
    }
  }

  /** A virtual absolute path; ".." never climbs above "/". */
  #resolve(arg: string): string {
    return posix.resolve(this.#cwd, arg === '' ? '.' : arg);
  }

  #disk(path: string): string {
    return join(this.#root, path);
  }

  async #stat(path: string): Promise<Stats | null> {
    return fs.stat(this.#disk(path)).catch(() => null);
  }

  async #try(action: () => Promise<unknown>, ok: string, failed: string): Promise<void> {
    try {
      await action();
      this.reply(ok);
    } catch {
      this.reply(failed);
    }
  }

  async #passive(verb: 'EPSV' | 'PASV'): Promise<void> {
    this.#dataListener?.close();
    const listener = net.createServer();
    this.#dataListener = listener;
    const accepted = new Promise<net.Socket>((resolve, reject) => {
      listener.once('connection', (socket) => {
        listener.close();
        resolve(socket);
      });
      listener.once('close', () => reject(new Error('data listener closed')));
    });
    accepted.catch(() => undefined);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    this.#data = () => accepted;
    if (verb === 'EPSV') this.reply(`229 Entering Extended Passive Mode (|||${port}|)`);
    else this.reply(`227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`);
  }

  #active(verb: 'EPRT' | 'PORT', arg: string): void {
    let host: string | undefined;
    let port: number;
    if (verb === 'EPRT') {
      const parts = arg.split(arg.charAt(0) || '|');
      host = parts[2];
      port = Number(parts[3]);
    } else {
      const n = arg.split(',').map(Number);
      host = n.slice(0, 4).join('.');
      port = (n[4] ?? 0) * 256 + (n[5] ?? 0);
    }
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) return this.reply('501 bad address');
    const target = { host, port };
    this.#data = () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(target, () => resolve(socket));
        socket.once('error', reject);
      });
    this.reply(`200 ${verb} ok`);
  }

  /** The data connection of this transfer, or null after a 425 was sent. */
  async #openData(): Promise<net.Socket | null> {
    const open = this.#data;
    this.#data = null;
    if (!open) {
      this.reply('425 use PASV, EPSV, PORT or EPRT first');
      return null;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const socket = await Promise.race([
        open(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no data connection')), DATA_WAIT_MS))),
      ]);
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      return socket;
    } catch {
      this.reply('425 cannot open data connection');
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  #opening(path: string, size: number | null): string {
    const template = this.#persona?.opening ?? '150 opening data connection';
    return template.replaceAll('{path}', path).replaceAll('{size}', String(size ?? 0));
  }

  /** Writes `body` and closes the data connection; 226 once it is all sent, 426 when the client cut it. */
  async #send(body: Buffer, path: string): Promise<void> {
    this.reply(this.#opening(path, body.length));
    const socket = await this.#openData();
    if (!socket) return;
    const closed = new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(socket.writableFinished));
    });
    socket.end(body);
    // IIS 7.5 answers before its data connection has closed: the client gets the 2xx with data still to read.
    if (this.#persona?.completeBeforeClose) {
      this.reply(this.#persona.complete);
      await closed;
      return;
    }
    this.reply((await closed) ? (this.#persona?.complete ?? '226 transfer complete') : '426 connection closed; transfer aborted');
  }

  async #retrieve(path: string): Promise<void> {
    const offset = this.#restAt;
    this.#restAt = 0;
    if (!(await this.#stat(path))?.isFile()) return this.reply('550 failed to open file');
    let body = await fs.readFile(this.#disk(path));
    if (this.#type === 'A') body = Buffer.from(body.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    await this.#send(body.subarray(offset), path);
  }

  async #store(path: string, append: boolean): Promise<void> {
    this.#restAt = 0;
    const parent = await this.#stat(posix.dirname(path));
    if (!parent?.isDirectory() || (await this.#stat(path))?.isDirectory()) return this.reply('553 could not create file');
    this.reply(this.#persona ? this.#opening(path, null) : '150 ok to send data');
    const socket = await this.#openData();
    if (!socket) return;
    const chunks: Buffer[] = [];
    const whole = await new Promise<boolean>((resolve) => {
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.once('end', () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    let body = Buffer.concat(chunks);
    if (this.#type === 'A') body = Buffer.from(body.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    await (append ? fs.appendFile(this.#disk(path), body) : fs.writeFile(this.#disk(path), body));
    socket.destroy();
    this.reply(whole ? (this.#persona?.complete ?? '226 transfer complete') : '426 connection closed; transfer aborted');
  }

  async #list(path: string, verb: 'LIST' | 'NLST'): Promise<void> {
    const st = await this.#stat(path);
    if (!st) return this.reply('550 no such file or directory');
    const names = st.isDirectory() ? (await fs.readdir(this.#disk(path))).sort() : [posix.basename(path)];
    const dir = st.isDirectory() ? path : posix.dirname(path);
    const lines: string[] = [];
    for (const name of names) {
      const entry = await this.#stat(posix.join(dir, name));
      if (!entry) continue;
      lines.push(verb === 'NLST' ? name : this.#persona?.listing === 'dos' ? dosLine(name, entry) : lsLine(name, entry));
    }
    await this.#send(iconv.encode(lines.map((l) => `${l}\r\n`).join(''), this.#encoding), path);
  }
}

/** An `ls -l` line, always with the year (never the year-less recent form). */
function lsLine(name: string, st: Stats): string {
  const d = st.mtime;
  const date = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')}  ${d.getUTCFullYear()}`;
  const mode = st.isDirectory() ? 'drwxr-xr-x' : '-rw-r--r--';
  return `${mode}    1 ftp      ftp      ${String(st.size).padStart(10)} ${date} ${name}`;
}

/** An IIS (MS-DOS style) line: `05-01-24  10:30AM       <DIR>          name`, 12-hour clock. */
function dosLine(name: string, st: Stats): string {
  const d = st.mtime;
  const p = (n: number): string => String(n).padStart(2, '0');
  const hour = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  const when = `${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCFullYear() % 100)}  ${p(hour)}:${p(d.getUTCMinutes())}${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
  return `${when} ${st.isDirectory() ? '      <DIR>         ' : String(st.size).padStart(20)} ${name}`;
}

function mdtm(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}
