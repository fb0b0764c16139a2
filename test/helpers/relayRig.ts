// What the suites on large transfers share (the kernel relay for downloads,
// the stream path for uploads, the relay's outcome when a client hangs up):
// a vsftpd borrowed for the suite, every FTP transfer event published while it
// runs, gateways behind the fault proxy that are closed when it ends, and a
// reader of one HTTP response on a raw socket.
//
//   describe('…', relaySkip(), () => {
//     const relay = relayRig();
//     before(() => putOnDisk(relay.ftp, 'big.bin', big));   // runs after the rig's own before
//     test('…', async () => { const r = await relay.rig(); const event = relay.nextTransfer('download'); … });
//   });
import { after, before } from 'node:test';
import diagnostics_channel from 'node:diagnostics_channel';
import type net from 'node:net';
import { ftpChannels, type FtpTransferEvent } from '../../src/ftp/index.js';
import { kernelRelay } from '../../src/relay/index.js';
import { startRig, type Rig, type RigOptions } from '../reliability/harness.js';
import { eventually } from './httpHarness.js';
import { serverSkip } from './requireServers.js';
import type { RunningFtpServer } from './servers/index.js';
import { borrowFtpServer } from './servers/shared.js';

/** The suite's skip: no vsftpd, or no relay addon (a failure in CI, which builds it at npm ci). */
export function relaySkip(): { skip?: string } {
  const server = serverSkip('vsftpd');
  if (server.skip) return server;
  if (kernelRelay.built) return {};
  if (process.env.CI) throw new Error('the kernel relay addon is not built (npm run build:native)');
  return { skip: 'kernel relay addon not built (npm run build:native)' };
}

export interface RelayRig {
  /** The suite's vsftpd (there from the rig's before hook on). */
  readonly ftp: RunningFtpServer;
  /** Every FTP transfer event published since the suite began, oldest first. */
  readonly events: readonly FtpTransferEvent[];
  /** A gateway behind a fault proxy in front of the suite's vsftpd, one pooled session unless `options.server` says otherwise. */
  rig(options?: RigOptions): Promise<Rig>;
  /**
   * Called before an action: waits for the first transfer event in `direction`
   * published after this call. Awaiting it keeps cases apart: a client can
   * have the whole body before the 226 ends the transfer.
   */
  nextTransfer(direction: FtpTransferEvent['direction']): () => Promise<FtpTransferEvent>;
  /** Closes `resource` when the suite ends, before the server goes back. */
  closeAfter<T extends { close(): Promise<unknown> }>(resource: T): T;
}

/** Registers the suite's before and after hooks: call it at the top of a describe. */
export function relayRig(): RelayRig {
  let ftp: RunningFtpServer | undefined;
  const events: FtpTransferEvent[] = [];
  const onTransfer = (e: unknown): void => void events.push(e as FtpTransferEvent);
  const resources: Array<{ close(): Promise<unknown> }> = [];

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    diagnostics_channel.subscribe(ftpChannels.transfer.name, onTransfer);
  });
  after(async () => {
    diagnostics_channel.unsubscribe(ftpChannels.transfer.name, onTransfer);
    for (const resource of resources.reverse()) await resource.close().catch(() => undefined);
    await ftp?.stop();
  });

  const relay: RelayRig = {
    get ftp(): RunningFtpServer {
      if (!ftp) throw new Error('relayRig: the server is there from its before hook on');
      return ftp;
    },
    events,
    async rig(options = {}) {
      const pool = { max: 1, min: 0, idleTimeoutMs: 60_000, acquireTimeoutMs: 5_000 };
      return relay.closeAfter(await startRig({ ...options, reuse: relay.ftp, server: { pool, ...options.server } }));
    },
    nextTransfer(direction) {
      const mark = events.length;
      return async () => {
        const found = (): FtpTransferEvent | undefined => events.slice(mark).find((x) => x.direction === direction);
        await eventually(() => found() !== undefined);
        return found() as FtpTransferEvent;
      };
    },
    closeAfter(resource) {
      resources.push(resource);
      return resource;
    },
  };
  return relay;
}

/** Reads one HTTP/1.1 response with a Content-Length from a raw socket (past a 100 Continue); resolves with its head and body. */
export function readResponse(socket: net.Socket): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      if (/^HTTP\/1\.1 100 /.test(head)) {
        buffered = buffered.subarray(end + 4);
        onData(Buffer.alloc(0));
        return;
      }
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? NaN);
      if (buffered.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('error', reject);
      resolve({ head, body: buffered.subarray(end + 4, end + 4 + length) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}
