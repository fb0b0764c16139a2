/**
 * `npm run demo`: the gateway on 127.0.0.1:8080 (or $PORT) in front of an
 * embedded FTP server (ftp-srv, a dev dependency) on loopback that serves a
 * temporary folder of sample files. Prints curl lines to paste; Ctrl-C
 * stops both and removes the folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/observability/logging.js';
import { startGateway } from '../src/server.js';

const FTP_USER = 'demo';
const FTP_PASSWORD = 'demo';

const workDir = mkdtempSync(join(tmpdir(), 'ftp-gateway-demo-'));
const ftpRoot = join(workDir, 'ftp');
const clientDir = join(workDir, 'client');
let cleaned = false;
function cleanUp(): void {
  if (cleaned) return;
  cleaned = true;
  rmSync(workDir, { recursive: true, force: true });
}
process.on('exit', cleanUp);

function seed(): void {
  mkdirSync(join(ftpRoot, 'docs'), { recursive: true });
  mkdirSync(clientDir, { recursive: true });
  // LF line ends on the server, so ?type=ascii&eol=crlf visibly changes them.
  writeFileSync(join(ftpRoot, 'hello.txt'), 'Hello from the FTP server!\nThis file has LF line ends.\nA third line.\n');
  writeFileSync(join(ftpRoot, 'data.csv'), 'id,name,amount\n1,alpha,10.50\n2,beta,7.25\n3,gamma,99.99\n');
  writeFileSync(join(ftpRoot, 'image.bin'), randomBytes(64 * 1024));
  // Big enough that a rate-limited download outlives the socket buffers and shows in /transfers (sparse: no disk cost).
  writeFileSync(join(ftpRoot, 'large.bin'), '');
  truncateSync(join(ftpRoot, 'large.bin'), 256 * 1024 * 1024);
  // A work queue for the claims lines: files a partner dropped.
  mkdirSync(join(ftpRoot, 'inbox'), { recursive: true });
  for (const n of [1, 2, 3]) writeFileSync(join(ftpRoot, 'inbox', `invoice-${n}.csv`), `invoice,${n}\n`);
  writeFileSync(join(ftpRoot, 'docs', 'readme.md'), '# Demo\n\nServed by ftp-srv, fetched through ftp-gateway.\n');
  writeFileSync(join(clientDir, 'upload-me.txt'), 'Uploaded with curl -T.\n');
  writeFileSync(join(clientDir, 'report.csv'), 'month,total\njan,100\nfeb,120\n');
}

/** ftp-srv's own logger interface (bunyan's), kept quiet: the gateway logs what matters. */
const quietLog = {
  child: () => quietLog,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
};

async function startFtpServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const { FtpSrv } = await import('ftp-srv');
  // A passive range somewhere high; ftp-srv probes for a free port in it per PASV/EPSV.
  const passiveMin = 40_000 + Math.floor(Math.random() * 200) * 100;
  const signalsBefore = new Map((['SIGTERM', 'SIGINT', 'SIGQUIT'] as const).map((sig) => [sig, new Set(process.listeners(sig))]));
  const ftp = new FtpSrv({
    url: 'ftp://127.0.0.1:0',
    pasv_url: '127.0.0.1',
    pasv_min: passiveMin,
    pasv_max: passiveMin + 99,
    anonymous: false,
    greeting: ['ftp-gateway demo server'],
    log: quietLog,
  });
  // ftp-srv's constructor makes SIGTERM/SIGINT/SIGQUIT call process.exit();
  // the demo shuts down in its own order (gateway first), so take them back.
  for (const [sig, before] of signalsBefore) {
    for (const listener of process.listeners(sig)) if (!before.has(listener)) process.removeListener(sig, listener);
  }
  ftp.on('login', ({ username, password }, resolve, reject) => {
    if (username === FTP_USER && password === FTP_PASSWORD) resolve({ root: ftpRoot });
    else reject(new Error('Login incorrect'));
  });
  ftp.on('client-error', () => undefined);
  await ftp.listen();
  const port = ((ftp as unknown as { server: NetServer }).server.address() as AddressInfo).port;
  return { port, close: async () => void (await ftp.close()) };
}

function banner(base: string, ftpPort: number): string {
  const api = `${base}/api/v1`;
  const s = `${api}/servers/default`;
  const upload = join(clientDir, 'upload-me.txt');
  const report = join(clientDir, 'report.csv');
  return `
ftp-gateway demo is running.
  gateway:    ${base}   (no API key needed on loopback)
  FTP server: ftp://${FTP_USER}:${FTP_PASSWORD}@127.0.0.1:${ftpPort}/  serving ${ftpRoot}
  API docs:   ${base}/docs

Try these (in another terminal):

  # configured servers, and the root listing
  curl -s ${api}/servers
  curl -s ${s}/dirs/
  curl -s ${s}/dirs/docs

  # download; headers only; a byte range (206)
  curl -s ${s}/files/hello.txt
  curl -sI ${s}/files/image.bin
  curl -s -H 'Range: bytes=0-4' ${s}/files/hello.txt; echo

  # ASCII type: LF on the server becomes CRLF here
  curl -s '${s}/files/hello.txt?type=ascii&eol=crlf' | od -c | head -3

  # active mode (EPRT/PORT) instead of passive
  curl -s '${s}/dirs/?mode=active'

  # upload the raw body (curl -T), then a multipart upload (-F) into a new folder
  curl -s -T ${upload} ${s}/files/uploads/upload-me.txt; echo
  curl -s -F 'file=@${report}' ${s}/files/reports; echo

  # make a folder (parents too), move a file, delete a file, remove a folder tree
  curl -s -X POST ${s}/dirs/archive/2024 -o /dev/null -w '%{http_code}\\n'
  curl -s -X POST -H 'Content-Type: application/json' -d '{"from":"uploads/upload-me.txt","to":"archive/2024/upload-me.txt"}' ${s}/move; echo
  curl -s -X DELETE ${s}/files/archive/2024/upload-me.txt -o /dev/null -w '%{http_code}\\n'
  curl -s -X DELETE '${s}/dirs/archive?recursive=true' -o /dev/null -w '%{http_code}\\n'

  # claim the oldest file of inbox/ (a work queue across replicas), read it, ack it (delete)
  C=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"path":"inbox","stableMs":0}' ${s}/claims); echo $C
  curl -s ${s}/files/$(echo $C | sed 's/.*"path":"\\([^"]*\\)".*/\\1/')
  curl -s -X POST -H 'Content-Type: application/json' -d '{"disposition":"delete"}' ${s}/claims/$(echo $C | sed 's/.*"id":"\\([^"]*\\)".*/\\1/')/ack -o /dev/null -w '%{http_code}\\n'

  # transfers in flight: start a slow download of a 256 MiB file, look, then stop it
  curl -s --limit-rate 1m ${s}/files/large.bin -o /dev/null & sleep 2; curl -s ${api}/transfers; echo; kill $!

  # watch a folder: Server-Sent Events (existing, created, changed, stable, deleted) as
  # files come and go (polled every 5 s); in another terminal, upload into docs/; Ctrl-C ends it
  curl -sN '${s}/events/docs?initial=true&stableMs=5000'
  curl -s -T ${upload} ${s}/files/docs/new.txt; echo

  # errors are problem+json
  curl -s ${s}/files/nope.txt; echo

  # operations
  curl -s ${base}/healthz; echo
  curl -s ${base}/readyz; echo
  curl -s ${base}/metrics | head

Ctrl-C stops the gateway and the FTP server and removes ${workDir}.
`;
}

async function main(): Promise<void> {
  seed();
  const ftp = await startFtpServer();

  let config;
  try {
    config = loadConfig({
      HOST: '127.0.0.1',
      PORT: process.env.PORT ?? '8080',
      FTP_URL: `ftp://${FTP_USER}:${FTP_PASSWORD}@127.0.0.1:${ftp.port}/`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`ftp-gateway demo: ${error.message}\n`);
    await ftp.close();
    process.exit(1);
  }

  const logger = createLogger(config.logLevel);
  let running: Awaited<ReturnType<typeof startGateway>>;
  try {
    running = await startGateway(config, logger);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ftp-gateway demo: cannot start the gateway: ${reason}\n`);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') process.stderr.write('  try another port: PORT=8081 npm run demo\n');
    await ftp.close();
    process.exit(1);
  }

  process.stdout.write(banner(running.url, ftp.port));

  // Ctrl-C reaches us twice (the terminal's process group, and tsx relays it):
  // a repeat within 2 s is the same keypress; a later one means "now".
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < 2_000) return;
      cleanUp();
      process.exit(1);
    }
    stoppingSince = Date.now();
    process.stdout.write('\nStopping: waiting for transfers in flight (Ctrl-C again to stop at once)...\n');
    logger.info({ signal }, 'demo stopping');
    void (async () => {
      try {
        await running.stop();
        await ftp.close();
      } finally {
        cleanUp();
        process.exit(0);
      }
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
