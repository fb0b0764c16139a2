// A fault-injecting TCP proxy placed between the gateway and a real FTP
// server. It forwards the control connection line by line and rewrites
// EPSV/PASV replies so passive data connections run through it too, which
// lets a test cut, stall or refuse either channel at a chosen moment, count
// control connections, and see every command the server would have received.
import net from 'node:net';

export interface FaultProxyOptions {
  upstreamHost: string;
  upstreamPort: number;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
}

type DataFault = { kind: 'cut-after'; bytes: number } | { kind: 'refuse' } | { kind: 'stall-after'; bytes: number };

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

  /** Cuts every control and data connection now (a server crash, a network drop). */
  cutAll(): void {
    for (const p of [...this.#controls, ...this.#datas]) destroyPair(p);
  }

  /** Cuts only the data connections open now. */
  cutData(): void {
    for (const p of this.#datas) destroyPair(p);
  }

  /** The next data connection is cut after `bytes` bytes (either direction). */
  cutNextDataAfter(bytes: number): void {
    this.#dataFaults.push({ kind: 'cut-after', bytes });
  }

  /** The next data connection stops forwarding after `bytes` bytes, without closing. */
  stallNextDataAfter(bytes: number): void {
    this.#dataFaults.push({ kind: 'stall-after', bytes });
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

  resetCounters(): void {
    this.commands.length = 0;
    this.#peakControls = this.#controls.size;
    this.#totalControls = 0;
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
    client.on('data', (chunk: Buffer) => {
      fromClient += chunk.toString('latin1');
      let nl: number;
      while ((nl = fromClient.indexOf('\n')) >= 0) {
        const line = fromClient.slice(0, nl + 1);
        fromClient = fromClient.slice(nl + 1);
        const text = line.replace(/\r?\n$/, '');
        this.commands.push(/^PASS /i.test(text) ? 'PASS ****' : text);
        server.write(Buffer.from(line, 'latin1'));
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
        void this.#forwardReply(line, client);
      }
    });
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
        out = epsv
          ? `229 Entering Extended Passive Mode (|||${port}|)\r\n`
          : `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})\r\n`;
      }
      if (!client.destroyed) client.write(Buffer.from(out, 'latin1'));
    });
    return this.#replyChain;
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
      const done = (): void => {
        this.#datas.delete(pair);
      };
      client.on('error', () => destroyPair(pair)).on('close', done);
      server.on('error', () => destroyPair(pair)).on('close', done);
      let moved = 0;
      const relay = (from: net.Socket, to: net.Socket): void => {
        from.on('data', (chunk: Buffer) => {
          if (fault && moved + chunk.length >= fault.bytes) {
            const rest = fault.bytes - moved;
            moved = fault.bytes;
            if (rest > 0) to.write(chunk.subarray(0, rest));
            if (fault.kind === 'cut-after') destroyPair(pair);
            else {
              from.pause();
            }
            return;
          }
          moved += chunk.length;
          if (!to.write(chunk)) {
            from.pause();
            to.once('drain', () => from.resume());
          }
        });
        from.on('end', () => to.end());
      };
      relay(client, server);
      relay(server, client);
    });
    return port;
  }
}

function destroyPair(pair: Pair): void {
  pair.client.destroy();
  pair.server.destroy();
}
