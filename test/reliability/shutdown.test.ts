// SIGTERM to the real process (src/main.ts) while an upload and a download
// are in flight: the listener closes at once (new connections refused), the
// transfers run to completion, byte-identical, and the process exits 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { serverSkip } from '../helpers/requireServers.js';
import type { RunningFtpServer } from '../helpers/servers/index.js';
import { borrowFtpServer } from '../helpers/servers/shared.js';
import { eventually, rawRequest, sha256 } from '../helpers/httpHarness.js';
import { GatewayProcess } from '../helpers/gatewayProcess.js';
import { API, outcomeOf, paced, putOnDisk, randomContent } from './harness.js';
import { recordFigures, SecretScan } from './summary.js';

const MiB = 1024 * 1024;
const API_KEY = 'rel-shutdown-key-3f9a1c7e5b';

function connectOutcome(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('SIGTERM during transfers', serverSkip('vsftpd'), () => {
  let ftp: RunningFtpServer;
  let scan: SecretScan;
  const tally = { scenarios: 0, survived: 0, bytesLost: 0 };
  const download = randomContent(24 * MiB);
  const upload = randomContent(6 * MiB);

  before(async () => {
    ftp = await borrowFtpServer('vsftpd');
    scan = new SecretScan([ftp.password, API_KEY]);
    await putOnDisk(ftp, 'down.bin', download);
  });

  after(async () => {
    await ftp?.stop();
    recordFigures('shutdown', { faults: tally, secrets: scan?.figures() ?? { bytesScanned: 0, leaks: [] } });
  });

  test('in-flight transfers complete, new connections are refused, exit code 0', async () => {
    tally.scenarios++;
    const gateway = await GatewayProcess.start({
      scan,
      keepLog: true,
      env: { FTP_URL: `ftp://${ftp.user}:${encodeURIComponent(ftp.password)}@127.0.0.1:${ftp.port}/`, API_KEYS: API_KEY },
    });
    const auth = { authorization: `Bearer ${API_KEY}` };
    try {
      // The upload: 6 MiB sent in 128 KiB pieces every 40 ms (about 2 s).
      const up = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: gateway.port,
            method: 'PUT',
            path: `${API}/files/up.bin`,
            agent: false,
            headers: { ...auth, 'content-length': upload.length },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        void (async () => {
          for await (const chunk of paced(upload, 128 * 1024, 40)) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          req.end();
        })();
      });
      // The download: read at about 8 MiB/s (3 s).
      const down = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: gateway.port, path: `${API}/files/down.bin`, agent: false, headers: auth }, (res) => {
            const chunks: Buffer[] = [];
            let budget = 0;
            const timer = setInterval(() => {
              budget += 800 * 1024;
              res.resume();
            }, 100);
            res.on('data', (c: Buffer) => {
              chunks.push(c);
              budget -= c.length;
              if (budget <= 0) res.pause();
            });
            res.on('end', () => {
              clearInterval(timer);
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
            });
            res.on('error', (err) => {
              clearInterval(timer);
              reject(err);
            });
          })
          .on('error', reject);
      });
      await eventually(
        async () => (await rawRequest(gateway.port, 'GET', '/api/v1/transfers', { headers: auth })).json<unknown[]>().length === 2,
      );

      gateway.signal('SIGTERM');
      // New connections are refused while the two transfers still run.
      await eventually(async () => (await connectOutcome(gateway.port)) === 'ECONNREFUSED');
      assert.equal(gateway.child.exitCode, null, 'still running while transfers are in flight');
      const refusedRequest = await outcomeOf(gateway.port, 'GET', '/healthz');
      assert.ok('error' in refusedRequest && refusedRequest.error === 'ECONNREFUSED');

      const [u, d] = await Promise.all([up, down]);
      assert.equal(u.status, 201, u.body);
      assert.equal(d.status, 200);
      assert.equal(sha256(d.body), sha256(download));
      const stored = readFileSync(join(ftp.root, 'up.bin'));
      assert.equal(sha256(stored), sha256(upload));
      assert.equal(await gateway.exited(), 0);
      assert.ok(
        gateway.logLines().some((l) => /"drained":true/.test(l) && /shutdown complete/.test(l)),
        'logged a drained shutdown',
      );
      tally.survived++;
    } finally {
      await gateway.stop();
    }
  });

  test('no password or API key in the process output', () => {
    assert.ok(scan.bytesScanned > 0);
    assert.deepEqual(scan.leaks, []);
  });
});
