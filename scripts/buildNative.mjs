// Builds native/socket_relay.node (the kernel relay for large downloads) at
// `npm ci`. Optional by design: where it cannot be built (not Linux, no C
// compiler, no Node headers) the gateway streams through Node instead, so a
// failure here is a warning, never a failed install.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const warn = (why) => {
  process.stderr.write(`ftp-gateway: kernel relay not built (${why}); large downloads will stream through Node instead.\n`);
  process.exit(0);
};

if (process.platform !== 'linux') warn(`splice(2) is Linux-only, this is ${process.platform}`);
if (process.env.FTP_GATEWAY_SKIP_NATIVE === '1') warn('FTP_GATEWAY_SKIP_NATIVE=1');
// npm tells its scripts where its bundled node-gyp is; elsewhere look beside npm.
const gyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].find((p) => p && existsSync(p));
if (!gyp) warn('node-gyp not found');
// Node's own headers beside its binary (Debian's /usr, the official images'
// /usr/local): node-gyp then needs no download.
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const result = spawnSync(process.execPath, [gyp, 'rebuild', '--directory', join(root, 'native'), ...nodedir], {
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
});
if (result.status !== 0) {
  const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
  warn(`node-gyp failed:\n${tail}\n`);
}
// Load it once in a child, as the gateway will: a build this Node cannot load
// (Node-API version, a foreign toolchain) is removed, so the gateway streams
// instead of failing at its first download (a bad load can crash a process).
const built = join(root, 'native', 'build', 'Release', 'socket_relay.node');
const load = `try { process.exit(typeof require(${JSON.stringify(built)}).start === 'function' ? 0 : 1) } catch (e) { console.error(e.message); process.exit(1) }`;
const probe = spawnSync(process.execPath, ['-e', load], {
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
});
if (probe.status !== 0) {
  rmSync(built, { force: true });
  const why = (probe.stderr ?? '').trim().split('\n')[0] || probe.signal || `exit ${probe.status}`;
  warn(`the built addon does not load in Node ${process.version}: ${why}`);
}
process.stdout.write(`ftp-gateway: kernel relay built (native/build/Release/socket_relay.node), loads in Node ${process.version}\n`);
