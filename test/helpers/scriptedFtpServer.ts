// A scripted FTP control peer for faults no real server can be made to
// produce on demand (silence after login, a PASV naming a third host, a
// greeting that never comes, a reply cut between reads, a 226 before the
// data). Everything else is tested on real servers.
import net from 'node:net';

export type Script = (line: string, reply: (text: string) => void, socket: net.Socket) => void;

export interface ScriptedServer {
  port: number;
  /** Every line received, in order. */
  received: string[];
  /** Raw bytes received on control connections. */
  raw(): Buffer;
  /** The server's end of each control connection, in the order they came. */
  connections: net.Socket[];
  close(): Promise<void>;
}

/**
 * Answers the login dialogue, then hands every other line to `script`.
 * `features: null`: FEAT is refused with 500 (a server without RFC 2389).
 * `ownLogin`: USER and PASS go to `script` too (a 332 that wants ACCT).
 */
export async function startScriptedServer(
  script: Script,
  options: { greeting?: string | null; features?: readonly string[] | null; ownLogin?: boolean } = {},
): Promise<ScriptedServer> {
  const received: string[] = [];
  const connections: net.Socket[] = [];
  const feat =
    options.features === null
      ? "500 'FEAT': command not understood."
      : ['211-Features:', ...(options.features ?? ['EPSV']).map((f) => ` ${f}`), '211 End'].join('\r\n');
  const rawChunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    connections.push(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reply = (text: string): void => void socket.write(`${text}\r\n`);
    if (options.greeting !== null) reply(options.greeting ?? '220 scripted');
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      rawChunks.push(chunk);
      pending += chunk.toString('latin1');
      let nl: number;
      while ((nl = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        received.push(line);
        const verb = line.split(' ')[0]?.toUpperCase();
        if (verb === 'USER' && !options.ownLogin) reply('331 password please');
        else if (verb === 'PASS' && !options.ownLogin) reply('230 logged in');
        else if (verb === 'FEAT') reply(feat);
        else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else script(line, reply, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    connections,
    raw: () => Buffer.concat(rawChunks),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Answers EPSV with a one-off loopback data listener: resolves with the
 * server's end of the data connection once the client has connected.
 */
export function answerEpsv(reply: (text: string) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const listener = net.createServer((socket) => {
      listener.close();
      socket.on('error', () => undefined);
      resolve(socket);
    });
    listener.on('error', reject);
    listener.listen(0, '127.0.0.1', () =>
      reply(`229 Entering Extended Passive Mode (|||${(listener.address() as net.AddressInfo).port}|)`),
    );
  });
}

/** Gets a verb, the line and the reply function first; true when it answered. */
export type PeerHandler = (verb: string, line: string, reply: (text: string) => void) => boolean;

/**
 * A scripted peer that takes transfers: TYPE and NOOP (200), EPSV (a data
 * listener per command), ABOR (225); every line goes to `on` first, and
 * what no one answers gets 502. `data()` gives the server's end of the
 * data connections, in the order of the EPSVs.
 */
export async function startTransferPeer(
  on: PeerHandler,
  options: Parameters<typeof startScriptedServer>[1] = {},
): Promise<{ server: ScriptedServer; data(): Promise<net.Socket> }> {
  const dataSockets: Array<Promise<net.Socket>> = [];
  const server = await startScriptedServer((line, reply) => {
    const verb = line.split(' ')[0]?.toUpperCase() ?? '';
    if (on(verb, line, reply)) return;
    if (verb === 'TYPE' || verb === 'NOOP') reply('200 OK');
    else if (verb === 'EPSV') dataSockets.push(answerEpsv(reply));
    else if (verb === 'ABOR') reply('225 No transfer to ABOR.');
    else reply('502 Command not implemented.');
  }, options);
  return {
    server,
    async data() {
      while (dataSockets.length === 0) await new Promise((resolve) => setImmediate(resolve));
      return dataSockets.shift() as Promise<net.Socket>;
    },
  };
}
