/**
 * The command line as an operator meets it: `node src/main.ts` (through tsx)
 * with a bad environment exits 1 with one stderr line naming the setting;
 * a good one serves and exits 0 on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'S3cr3t-Pa55';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: nothing from the caller's FTP_URL, API_KEYS, ... leaks in. */
function cleanEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...vars };
}

function runMain(vars: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: cleanEnv(vars) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main did not exit; stderr: ${stderr}`));
    }, 90_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function expectConfigExit(vars: Record<string, string>, setting: string): Promise<void> {
  const run = await runMain(vars);
  assert.equal(run.code, 1, `exit code; stderr: ${run.stderr}`);
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${run.stderr}`);
  assert.ok(lines[0]?.startsWith(`ftp-gateway: ${setting}:`), `names ${setting}: ${lines[0]}`);
  assert.ok(!run.stderr.includes(SECRET) && !run.stdout.includes(SECRET), 'no password on any output');
  assert.equal(run.stdout, '', 'nothing on stdout');
}

describe('main (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ftp-gateway-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const goodUrl = `ftp://bob:${SECRET}@127.0.0.1:1/`;

  it('exits 1 naming PORT for a bad port', async () => {
    await expectConfigExit({ FTP_URL: goodUrl, PORT: 'eighty' }, 'PORT');
    await expectConfigExit({ FTP_URL: goodUrl, PORT: '70000' }, 'PORT');
  });

  it('exits 1 naming FTP_URL for a bad URL, without its password', async () => {
    await expectConfigExit({ FTP_URL: `ftp://bob:${SECRET}@[::1/` }, 'FTP_URL');
    await expectConfigExit({ FTP_URL: `sftp://bob:${SECRET}@127.0.0.1/` }, 'FTP_URL');
    await expectConfigExit({ FTP_URL: `ftp://bob:${SECRET}@127.0.0.1/?mode=fast` }, 'FTP_URL?mode');
  });

  it('exits 1 when no FTP server is configured', async () => {
    await expectConfigExit({}, 'FTP_URL');
  });

  it('exits 1 naming API_KEYS on a non-loopback HOST without keys', async () => {
    await expectConfigExit({ FTP_URL: goodUrl, HOST: '0.0.0.0' }, 'API_KEYS');
  });

  it('exits 1 naming the file setting for a bad config file', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `servers:\n  partner-a:\n    url: ftp://bob:${SECRET}@127.0.0.1/\n    pool: { max: 0 }\n`);
    await expectConfigExit({ CONFIG_FILE: file }, 'servers.partner-a.pool.max');
    await expectConfigExit({ CONFIG_FILE: join(dir, 'missing.yaml') }, 'CONFIG_FILE');
  });

  it('serves with a good environment and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: cleanEnv({ FTP_URL: goodUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        for (const line of stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'ftp-gateway ready' && entry.url) resolve(entry.url);
        }
      });
      void exited.then(() => reject(new Error(`main exited before it was ready: ${stderr}`)));
    });

    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();

    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, `exit code; stderr: ${stderr}`);
    assert.ok(!stdout.includes(SECRET) && !stderr.includes(SECRET), 'no password in the logs');
    assert.ok(
      stdout.split('\n').some((line) => line.includes('"shutdown complete"')),
      'logs the end of the shutdown',
    );
  });
});
