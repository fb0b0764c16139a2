import { badArgumentError } from '../errors.js';

/**
 * The part of a file a download asks for, checked before any command is
 * sent: a refusal after REST went out would leave the marker pending on the
 * session (and the next RETR of any file would start at that offset).
 */
export function checkByteRange(offset: number | undefined, length: number | undefined): { offset: number; length: number | null } {
  const start = offset ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw badArgumentError(`download offset must be a non-negative integer, got ${String(offset)}`);
  }
  if (length !== undefined && !(Number.isSafeInteger(length) && length > 0)) {
    throw badArgumentError(`download length must be a positive integer, got ${String(length)}`);
  }
  return { offset: start, length: length ?? null };
}
