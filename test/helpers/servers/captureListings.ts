// Captures raw LIST/MLSD output of each real server into test/fixtures/listings/.
// Run as root after .ci/install-ftp-servers.sh:
//   node --import tsx test/helpers/servers/captureListings.ts
// The bytes are written exactly as they came off the data connection.
import { chownSync, lchownSync, mkdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';
import { ALL_SERVER_KINDS, ftpServerAvailability, startFtpServer, type RunningFtpServer } from './index.js';
import { RawFtpControl } from './rawFtp.js';

const out = join(repoRoot, 'test/fixtures/listings');

/** The sample tree described in test/fixtures/listings/README.md. */
function populate(server: RunningFtpServer, uid: number, gid: number): void {
  const root = server.root;
  writeFileSync(join(root, 'plain.txt'), 'plain text, 25 bytes\nok\n\n');
  writeFileSync(join(root, 'name with spaces.bin'), Buffer.alloc(1000, 0xab));
  mkdirSync(join(root, 'sub dir'));
  writeFileSync(join(root, 'sub dir', 'inner.txt'), 'inner\n');
  symlinkSync('plain.txt', join(root, 'link'));
  writeFileSync(join(root, 'café.txt'), 'café\n');
  writeFileSync(join(root, 'old.txt'), 'old\n');
  const old = new Date('2019-03-04T00:00:00');
  utimesSync(join(root, 'old.txt'), old, old);
  for (const name of ['plain.txt', 'name with spaces.bin', 'sub dir', 'sub dir/inner.txt', 'café.txt', 'old.txt']) {
    chownSync(join(root, name), uid, gid);
  }
  lchownSync(join(root, 'link'), uid, gid);
}

async function capture(server: RunningFtpServer): Promise<void> {
  const control = await RawFtpControl.connect(server.port);
  try {
    const login = await control.login(server.user, server.password);
    if (login.code !== 230) throw new Error(`${server.kind}: login failed: ${login.text}`);
    const feat = await control.send('FEAT');
    writeFileSync(join(out, `${server.kind}-feat.txt`), `${feat.text.replaceAll('\n', '\r\n')}\r\n`);
    await control.send('OPTS UTF8 ON'); // what clients send after FEAT lists UTF8 (pure-ftpd answers 504)
    const list = await control.listing('LIST');
    if (list.end.code !== 226) throw new Error(`${server.kind}: LIST failed: ${list.end.text}`);
    writeFileSync(join(out, `${server.kind}-list.txt`), list.data);
    if (server.features.mlsd) {
      const mlsd = await control.listing('MLSD');
      if (mlsd.end.code !== 226) throw new Error(`${server.kind}: MLSD failed: ${mlsd.end.text}`);
      writeFileSync(join(out, `${server.kind}-mlsd.txt`), mlsd.data);
    }
  } finally {
    await control.quit();
  }
}

mkdirSync(out, { recursive: true });
for (const kind of ALL_SERVER_KINDS) {
  const availability = ftpServerAvailability(kind);
  if (!availability.available) {
    console.warn(`skipping ${kind}: ${availability.reason}`);
    continue;
  }
  const server = await startFtpServer(kind);
  try {
    // Files belong to whoever owns root/: the test account (ftp-srv: ourselves).
    const { uid, gid } = statSync(server.root);
    populate(server, uid, gid);
    await capture(server);
    console.log(`captured ${kind}`);
  } finally {
    await server.stop();
  }
}
