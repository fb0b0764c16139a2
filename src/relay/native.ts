import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's protocol (native/socket_relay.c); `abi` names its version. */
export interface RelayAddon {
  readonly abi: number;
  start(
    src: number,
    dst: number,
    limit: number,
    idleMs: number,
    onEvent: (kind: number, status: number, bytes: number, errno: number, bytesIn: number) => void,
  ): object;
  go(handle: object): void;
  abort(handle: object): void;
  /** [written, read, final status (0 while it runs), errno] */
  bytes(handle: object): [number, number, number, number];
}

export const RELAY_ABI = 2;

/**
 * native/build/Release/socket_relay.node, built at `npm ci` where it can be
 * (scripts/buildNative.mjs); else why not, in words for the log.
 */
export function loadNativeRelay(): RelayAddon | { missing: string } {
  if (process.platform !== 'linux') return { missing: `splice(2) is Linux-only, this is ${process.platform}` };
  // src/relay and dist/relay are both two levels below the project.
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'Release', 'socket_relay.node');
  if (!existsSync(file)) return { missing: 'the addon is not built (npm run build:native)' };
  let addon: RelayAddon;
  try {
    addon = createRequire(import.meta.url)(file) as RelayAddon;
  } catch (err) {
    return { missing: `the addon does not load: ${(err as Error).message}` };
  }
  return addon;
}
