// A fault-injecting TCP proxy placed between the gateway and a real FTP
// server. It forwards the control connection line by line and rewrites
// EPSV/PASV replies so passive data connections run through it too, which
// lets a test cut, stall or refuse either channel at a chosen moment, count
// control connections, and see every command the server would have received.
//
// Hostile-peer faults too: a 227 naming a third host (with a decoy listener
// on that host to prove nobody connects there), commands the "server"
// refuses (so a client is pushed from EPSV to PASV), and a hook that holds a
// command back while a test plays the attacker (data-port theft).
import net from 'node:net';

export interface FaultProxyOptions {
  upstreamHost: string;
  upstreamPort: number;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
}

/** How a cut looks to the endpoints: `reset` (RST, a crash or network drop) or `close` (a clean FIN, an early end of file). */
export type CutStyle = 'reset' | 'close';

type DataFault =
  | { kind: 'cut-after'; bytes: number; style: CutStyle }
  | { kind: 'refuse' }
  | { kind: 'stall-after'; bytes: number }
  | { kind: 'truncate-after'; bytes: number }
  | { kind: 'hold-end'; released: Promise<void> };

export class FaultProxy {
  readonly #options: FaultProxyOptions;
  readonly #server: net.Server;
  readonly #controls = new Set<Pair>();
  readonly #datas = new Set<Pair>();
  readonly #dataListeners = new Set<net.Server>();
  /** Commands the clients sent, as the server received them (PASS masked). */
  readonly commands: string[] = [];
  #peakControls = 0;
  #totalControls = 0;
  #stalled = false;
  #refusing = false;
  #dataFaults: DataFault[] = [];
  #persistentDataFault: DataFault | null = null;
  #refusedVerbs = new Set<string>();
  #answers = new Map<string, string>();
  #passiveHost: string | null = null;
  #thirdHostConnections = 0;
  #commandHook: ((command: string) => void | Promise<void>) | null = null;
  #bytesFromServer = 0;
  #bytesToServer = 0;

  private constructor(options: FaultProxyOptions) {
    this.#options = options;
    this.#server = net.createServer((client) => this.#onControl(client));
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  get openControls(): number {
    return this.#controls.size;
  }

  /** Most control connections open at once. */
  get peakControls(): number {
    return this.#peakControls;
  }

  get totalControls(): number {
    return this.#totalControls;
  }

  /** Connections made to the third host named in rewritten 227 replies (should stay 0). */
  get thirdHostConnections(): number {
    return this.#thirdHostConnections;
  }

  /** Bytes relayed on passive data connections from the server to the client. */
  get dataBytesFromServer(): number {
    return this.#bytesFromServer;
  }

  /** Bytes relayed on passive data connections from the client to the server. */
  get dataBytesToServer(): number {
    return this.#bytesToServer;
  }

  /** Cuts every control and data connection now (a server crash, a network drop: RST). */
  cutAll(): void {
    for (const p of [...this.#controls, ...this.#datas]) destroyPair(p, 'reset');
  }

  /** Cuts only the data connections open now. */
  cutData(style: CutStyle = 'reset'): void {
    for (const p of this.#datas) destroyPair(p, style);
  }

  /**
   * The next data connection is cut after `bytes` bytes (either direction).
   * With `close` both ends see a clean end of stream, which FTP's stream mode
   * cannot tell from the end of the file; the server may still say 226.
   */
  cutNextDataAfter(bytes: number, style: CutStyle = 'reset'): void {
    this.#dataFaults.push({ kind: 'cut-after', bytes, style });
  }

  /** The next data connection stops forwarding after `bytes` bytes, without closing. */
  stallNextDataAfter(bytes: number): void {
    this.#dataFaults.push({ kind: 'stall-after', bytes });
  }

  /**
   * The next data connection forwards only `bytes` bytes from the server and
   * drops the rest while reading it all, then ends cleanly: the server sends
   * the whole file and says 226, the client gets a short file and a FIN (a
   * middlebox that lost data, which stream mode cannot tell from the end).
   */
  truncateNextDataAfter(bytes: number): void {
    this.#dataFaults.push({ kind: 'truncate-after', bytes });
  }

  /**
   * The next data connection forwards every byte but holds the server's end
   * of stream (FIN) until the returned function is called: a server, or a
   * network, whose FIN comes well after the last byte.
   */
  holdNextDataEnd(): () => void {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#dataFaults.push({ kind: 'hold-end', released });
    return release;
  }

  /** Passive replies name a port where nothing listens (PASV answered, connection refused), until cleared. */
  refusePassiveData(on = true): void {
    this.#persistentDataFault = on ? { kind: 'refuse' } : null;
  }

  /** The server stops answering: replies are swallowed (the connections stay open). */
  stallControl(on = true): void {
    this.#stalled = on;
  }

  /** New control connections are refused (server down) until cleared. */
  refuseConnections(on = true): void {
    this.#refusing = on;
  }

  /**
   * The proxy itself answers these verbs with `502 Command not implemented`
   * (not forwarded, not counted in `commands`), e.g. ['EPSV'] to force PASV.
   */
  refuseCommands(verbs: readonly string[]): void {
    this.#refusedVerbs = new Set(verbs.map((v) => v.toUpperCase()));
  }

  /**
   * The next `verb` command is answered with `reply` by the proxy itself (not
   * forwarded, not in `commands`): e.g. a 425 to RETR, which sends a client to
   * its next data method after the server has already seen EPSV and REST.
   */
  answerNext(verb: string, reply: string): void {
    this.#answers.set(verb.toUpperCase(), reply);
  }

  /**
   * 227 replies name `host` instead of the proxy (the relay still listens on
   * 127.0.0.1 at the same port); a decoy on `host` counts who connects there.
   * null restores honest replies.
   */
  rewritePassiveHost(host: string | null): void {
    this.#passiveHost = host;
  }

  /** Awaited before each command is forwarded (the client's later commands queue behind it). */
  onCommand(hook: ((command: string) => void | Promise<void>) | null): void {
    this.#commandHook = hook;
  }

  resetCounters(): void {
    this.commands.length = 0;
    this.#peakControls = this.#controls.size;
    this.#totalControls = 0;
    this.#thirdHostConnections = 0;
    this.#bytesFromServer = 0;
    this.#bytesToServer = 0;
  }

  async close(): Promise<void> {
    this.cutAll();
    for (const l of this.#dataListeners) l.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onControl(client: net.Socket): void {
    if (this.#refusing) {
      client.destroy();
      return;
    }
    const server = net.connect({ host: this.#options.upstreamHost, port: this.#options.upstreamPort });
    const pair = { client, server };
    this.#controls.add(pair);
    this.#totalControls++;
    this.#peakControls = Math.max(this.#peakControls, this.#controls.size);
    const done = (): void => {
      this.#controls.delete(pair);
      destroyPair(pair);
    };
    client.on('error', done).on('close', done);
    server.on('error', done).on('close', done);

    let fromClient = '';
    // Commands go out in order, each after the hook (if any) let it pass.
    let commandChain: Promise<void> = Promise.resolve();
    // Completion replies the server owes (the greeting's first): a reply the
    // proxy makes itself waits for them, so that pipelined commands are
    // answered in order, as by a server.
    const owed = { count: 1, settled: [] as Array<() => void> };
    client.on('data', (chunk: Buffer) => {
      fromClient += chunk.toString('latin1');
      let nl: number;
      while ((nl = fromClient.indexOf('\n')) >= 0) {
        const line = fromClient.slice(0, nl + 1);
        fromClient = fromClient.slice(nl + 1);
        commandChain = commandChain.then(() => this.#forwardCommand(line, client, server, owed)).catch(() => destroyPair(pair));
      }
    });

    let fromServer = '';
    server.on('data', (chunk: Buffer) => {
      if (this.#stalled) return;
      fromServer += chunk.toString('latin1');
      let nl: number;
      while ((nl = fromServer.indexOf('\n')) >= 0) {
        const line = fromServer.slice(0, nl + 1);
        fromServer = fromServer.slice(nl + 1);
        if (/^[2-5]\d\d /.test(line) && owed.count > 0 && --owed.count === 0) for (const resolve of owed.settled.splice(0)) resolve();
        void this.#forwardReply(line, client);
      }
    });
  }

  async #forwardCommand(
    line: string,
    client: net.Socket,
    server: net.Socket,
    owed: { count: number; settled: Array<() => void> },
  ): Promise<void> {
    const text = line.replace(/\r?\n$/, '');
    const verb = text.split(' ')[0]?.toUpperCase() ?? '';
    if (this.#commandHook) await this.#commandHook(text);
    const answer = this.#refusedVerbs.has(verb) ? '502 Command not implemented.' : this.#answers.get(verb);
    if (answer !== undefined) {
      this.#answers.delete(verb);
      const answered = owed.count === 0 ? Promise.resolve() : new Promise<void>((resolve) => owed.settled.push(resolve));
      void answered.then(() => this.#forwardReply(`${answer}\r\n`, client));
      return;
    }
    this.commands.push(verb === 'PASS' ? 'PASS ****' : text);
    owed.count++;
    if (!server.destroyed) server.write(Buffer.from(line, 'latin1'));
  }

  /** Replies go out in order: a rewrite of a passive reply waits for its data listener. */
  #replyChain: Promise<void> = Promise.resolve();

  #forwardReply(line: string, client: net.Socket): Promise<void> {
    this.#replyChain = this.#replyChain.then(async () => {
      const epsv = /^229 (.*)\((.)\2\2(\d+)\2\)/.exec(line);
      const pasv = /^227 .*?(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(line);
      let out = line;
      if (epsv || pasv) {
        const upstreamPort = epsv ? Number(epsv[3]) : Number(pasv![5]) * 256 + Number(pasv![6]);
        const port = await this.#dataRelay(upstreamPort);
        const host = pasv && this.#passiveHost !== null ? await this.#decoy(this.#passiveHost, port) : '127.0.0.1';
        out = epsv
          ? `229 Entering Extended Passive Mode (|||${port}|)\r\n`
          : `227 Entering Passive Mode (${host.split('.').join(',')},${port >> 8},${port & 255})\r\n`;
      }
      if (!client.destroyed) client.write(Buffer.from(out, 'latin1'));
    });
    return this.#replyChain;
  }

  /** A listener on the third host at `port` that only counts (and drops) connections; returns the host. */
  async #decoy(host: string, port: number): Promise<string> {
    const decoy = net.createServer((socket) => {
      this.#thirdHostConnections++;
      socket.destroy();
    });
    this.#dataListeners.add(decoy);
    await new Promise<void>((resolve, reject) => decoy.once('error', reject).listen(port, host, resolve));
    return host;
  }

  /** A one-shot listener relaying one passive data connection to the server's port. */
  async #dataRelay(upstreamPort: number): Promise<number> {
    const fault = this.#persistentDataFault ?? this.#dataFaults.shift() ?? null;
    const listener = net.createServer();
    this.#dataListeners.add(listener);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    if (fault?.kind === 'refuse') {
      // Nothing will accept on this port: the client's connect is refused.
      listener.close();
      this.#dataListeners.delete(listener);
      return port;
    }
    listener.once('connection', (client) => {
      listener.close();
      this.#dataListeners.delete(listener);
      const server = net.connect({ host: this.#options.upstreamHost, port: upstreamPort });
      const pair = { client, server };
      this.#datas.add(pair);
      // Tracked until both ends are closed: a stalled relay whose server side has ended still holds the client's end open.
      const done = (): void => {
        if (client.destroyed && server.destroyed) this.#datas.delete(pair);
      };
      client.on('error', () => destroyPair(pair)).on('close', done);
      server.on('error', () => destroyPair(pair)).on('close', done);
      let moved = 0;
      let stalled = false;
      const relay = (from: net.Socket, to: net.Socket): void => {
        from.on('data', (chunk: Buffer) => {
          if (stalled) return;
          if (fault?.kind === 'truncate-after' && from === server && moved + chunk.length > fault.bytes) {
            const rest = Math.max(0, fault.bytes - moved);
            moved += chunk.length;
            if (rest > 0) to.write(chunk.subarray(0, rest));
            return;
          }
          if (fault && fault.kind !== 'truncate-after' && 'bytes' in fault && moved + chunk.length >= fault.bytes) {
            const rest = fault.bytes - moved;
            moved = fault.bytes;
            if (rest > 0) to.write(chunk.subarray(0, rest));
            if (fault.kind === 'cut-after') destroyPair(pair, fault.style);
            else {
              stalled = true;
              from.pause();
            }
            return;
          }
          moved += chunk.length;
          if (from === server) this.#bytesFromServer += chunk.length;
          else this.#bytesToServer += chunk.length;
          if (!to.write(chunk)) {
            from.pause();
            to.once('drain', () => from.resume());
          }
        });
        // A stalled connection holds its end back too: the server's FIN may already have been read with the last bytes.
        from.on('end', () => {
          if (stalled) return;
          if (fault?.kind === 'hold-end' && from === server) void fault.released.then(() => to.end());
          else to.end();
        });
      };
      relay(client, server);
      relay(server, client);
    });
    return port;
  }
}

function destroyPair(pair: Pair, style: CutStyle = 'close'): void {
  for (const socket of [pair.client, pair.server]) {
    // resetAndDestroy on a half-closed socket leaves a handle that never
    // closes (Node 20 then spins at exit): reset only fully open sockets.
    if (style === 'reset' && !socket.destroyed && socket.readyState === 'open') socket.resetAndDestroy();
    else socket.destroy();
  }
}
