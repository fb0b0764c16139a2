import { isFtpError, isReplyError, type FtpDataMode, type FtpEntry, type FtpSession } from '../ftp/index.js';
import { joinRoot } from './ftpPaths.js';
import { GatewayError } from './gatewayError.js';

/**
 * Composite FTP operations the routes share. Paths given to the session are
 * always absolute, so the session's working directory (changed by the CWD
 * probes here) never matters.
 */

/** A negative reply (the server answered), as opposed to a dead connection. */
export { isReplyError };

/** CWD succeeds only on a directory the user may enter: the cheapest portable test. */
export async function isDirectory(session: FtpSession, path: string, signal: AbortSignal): Promise<boolean> {
  try {
    await session.cwd(path, signal);
    return true;
  } catch (err) {
    if (isReplyError(err)) return false;
    throw err;
  }
}

/** NOT_FOUND when the path does not exist, NOT_A_DIRECTORY when it is a file. */
export async function requireDirectory(session: FtpSession, path: string, signal: AbortSignal): Promise<void> {
  if (await isDirectory(session, path, signal)) return;
  const stat = await session.stat(path, signal);
  if (stat === null) throw new GatewayError('NOT_FOUND', 'no such directory');
  if (stat.type !== 'directory') throw new GatewayError('NOT_A_DIRECTORY', 'not a directory');
  throw new GatewayError('NOT_FOUND', 'directory not accessible');
}

/**
 * A folder's whole listing. A refused listing (LIST starts with CWD) of a
 * path that names a file is NOT_A_DIRECTORY, as GET dirs answers: one STAT,
 * only on that failure, so a listing that works costs nothing more.
 */
export async function listDirectory(
  session: FtpSession,
  path: string,
  options: { signal: AbortSignal; mode: FtpDataMode; maxEntries?: number },
): Promise<FtpEntry[]> {
  try {
    return await session.list(path, options);
  } catch (err) {
    if (isFtpError(err) && err.category === 'not-found' && isReplyError(err)) {
      const stat = await session.stat(path, options.signal);
      if (stat !== null && stat.type !== 'directory') throw new GatewayError('NOT_A_DIRECTORY', 'not a directory');
    }
    throw err;
  }
}

/** mkdir -p below the root (the root itself is never created). */
export async function ensureDirectory(session: FtpSession, root: string, segments: readonly string[], signal: AbortSignal): Promise<void> {
  if (segments.length === 0 || (await isDirectory(session, joinRoot(root, segments), signal))) return;
  let creating = false;
  for (let i = 1; i <= segments.length; i++) {
    const path = joinRoot(root, segments.slice(0, i));
    // Once one level had to be created, the levels below cannot exist yet;
    // the full path was probed above.
    if (!creating && i < segments.length && (await isDirectory(session, path, signal))) continue;
    creating = true;
    try {
      await session.mkdir(path, signal);
    } catch (err) {
      if (!isReplyError(err)) throw err;
      if (await isDirectory(session, path, signal)) continue; // created meanwhile by someone else
      const stat = await session.stat(path, signal);
      if (stat !== null && stat.type !== 'directory') {
        throw new GatewayError('NOT_A_DIRECTORY', 'a parent of the path is a file');
      }
      throw err;
    }
  }
}

/** The parent must exist (`mkdirs=false`): NOT_FOUND otherwise. */
export async function requireParent(
  session: FtpSession,
  root: string,
  parentSegments: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  if (parentSegments.length === 0) return;
  const parent = joinRoot(root, parentSegments);
  if (await isDirectory(session, parent, signal)) return;
  const stat = await session.stat(parent, signal);
  if (stat !== null && stat.type !== 'directory') throw new GatewayError('NOT_A_DIRECTORY', 'a parent of the path is a file');
  throw new GatewayError('NOT_FOUND', 'the parent directory does not exist (mkdirs=false)');
}

const FOUND = new Error('a listing entry');

/** Whether a folder lists anything: the listing stops at its first entry instead of reading a large folder whole. */
export async function hasEntries(session: FtpSession, path: string, options: { signal: AbortSignal; mode: FtpDataMode }): Promise<boolean> {
  try {
    await session.streamList(
      path,
      (entries) => {
        if (entries.some((e) => e.name !== '.' && e.name !== '..')) throw FOUND;
      },
      options,
    );
    return false;
  } catch (err) {
    if (err === FOUND) return true;
    throw err;
  }
}

const MAX_DEPTH = 64;

/** rm -r: depth-first, files by DELE, folders by RMD once emptied. */
export async function removeTree(
  session: FtpSession,
  path: string,
  options: { signal: AbortSignal; mode: FtpDataMode },
  depth = 0,
): Promise<void> {
  if (depth > MAX_DEPTH) throw new GatewayError('DIRECTORY_NOT_EMPTY', 'directory tree too deep to remove');
  const entries = await session.list(path, { signal: options.signal, mode: options.mode });
  for (const entry of entries) {
    if (entry.name === '.' || entry.name === '..' || entry.name.includes('/') || entry.name === '') continue;
    // A line no dialect read names nothing we may delete: leave it, and RMD says the folder is not empty.
    if (entry.raw !== undefined) continue;
    const child = path === '/' ? `/${entry.name}` : `${path}/${entry.name}`;
    if (entry.type === 'directory') await removeTree(session, child, options, depth + 1);
    else await session.delete(child, options.signal);
  }
  await session.rmdir(path, options.signal);
}
