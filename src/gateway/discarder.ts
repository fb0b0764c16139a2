import type { FtpPool, FtpSession } from '../ftp/index.js';
import { isReplyError } from './ftpOps.js';

/**
 * Removing a temporary upload must work even when the request was aborted
 * and the transfer took its session down with it. First the session at hand
 * (with its own timeout, not the request's aborted signal); if that session
 * is dead, a fresh pooled one — started without awaiting it, since this
 * request still holds its lease and a pool of one would otherwise wait for
 * itself.
 */
export type DeleteOutcome = 'deleted' | 'refused' | 'session-lost';

const CLEANUP_TIMEOUT_MS = 30_000;

export async function deleteQuietlyOutcome(session: FtpSession, path: string): Promise<DeleteOutcome> {
  if (!session.usable) return 'session-lost';
  try {
    await session.delete(path, AbortSignal.timeout(CLEANUP_TIMEOUT_MS));
    return 'deleted';
  } catch (err) {
    return isReplyError(err) ? 'refused' : 'session-lost';
  }
}

export function discarder(
  pool: FtpPool,
  session: FtpSession,
  onLost?: (path: string, err: unknown) => void,
): (path: string) => Promise<void> {
  return async (path) => {
    if ((await deleteQuietlyOutcome(session, path)) !== 'session-lost') return;
    const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
    void pool.use((fresh) => fresh.delete(path, signal), { signal }).catch((err: unknown) => onLost?.(path, err));
  };
}
