import type { UploadFailure } from '../../gateway/atomicUpload.js';
import { isHttpError } from '../httpError.js';

/**
 * Why an upload failed, as the caller is told: an abort the gateway chose
 * (a body too slow: 408) first, then a limit the body broke (413, which the
 * FTP layer saw only as the stream ending), else the failure itself. Either
 * limit means the body broke one, so an in-place write is undone too.
 */
export function uploadFailure(signal: AbortSignal, err: unknown, broken: () => unknown): UploadFailure {
  const cause = signal.aborted && isHttpError(signal.reason) ? signal.reason : (broken() ?? err);
  return { cause, brokeLimit: isHttpError(cause) && BROKEN_LIMIT.has(cause.status) };
}

/** Too large (413), too slow (408). */
const BROKEN_LIMIT = new Set([408, 413]);
