// A scripted FTP control peer for faults no real server can be made to
// produce on demand (silence after login, a PASV naming a third host, a
// greeting that never comes). Everything else is tested on real servers.
import net from 'node:net';

export type Script = (line: string, reply: (text: string) => void, socket: net.Socket) => void;

export interface ScriptedServer {
  port: number;
  /** Every line received, in order. */
  received: string[];
  /** Raw bytes received on control connections. */
  raw(): Buffer;
  close(): Promise<void>;
}

/** Answers the login dialogue, then hands every other line to `script`. */
export async function startScriptedServer(script: Script, options: { greeting?: string | null } = {}): Promise<ScriptedServer> {
  const received: string[] = [];
  const rawChunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
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
        if (verb === 'USER') reply('331 password please');
        else if (verb === 'PASS') reply('230 logged in');
        else if (verb === 'FEAT') reply('211-Features:\r\n EPSV\r\n211 End');
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
    raw: () => Buffer.concat(rawChunks),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
