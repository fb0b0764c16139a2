import { randomBytes } from 'node:crypto';

/**
 * A claim id names the claim's folder (`{folder}/.claims/{id}/`) and must let
 * any replica find that folder with no shared state, since ack, release and
 * extend carry only the id. So it is 24 random hex digits, then, for a folder
 * below the root, "." and the folder's root-relative path in base64url:
 *
 *   3f9c0e2a7b14d6c8e5a09f1b                      a claim in the root
 *   3f9c0e2a7b14d6c8e5a09f1b.aW5ib3gvMjAyNA       a claim in inbox/2024
 *
 * Only these characters, so an id is safe as a file name on every server and
 * in a URL without escaping; a name must stay under the usual 255-byte limit
 * with the lease marker's suffix (leaseMarker.ts), which bounds the folder
 * path (MAX_CLAIM_FOLDER_BYTES). The decoded folder is only a candidate: the
 * caller checks its segments with the request path rules before any FTP
 * command.
 */
export const MAX_CLAIM_FOLDER_BYTES = 150;

const RANDOM_HEX = 24;
const ID = /^([0-9a-f]{24})(?:\.([A-Za-z0-9_-]{1,200}))?$/;

export interface ParsedClaimId {
  id: string;
  /** The claims folder's root-relative segments, as encoded (not yet checked against the path rules). */
  folder: string[];
}

/** A folder path the id can carry: at most MAX_CLAIM_FOLDER_BYTES bytes of UTF-8, segments joined by "/". */
export function claimFolderFits(segments: readonly string[]): boolean {
  return Buffer.byteLength(segments.join('/'), 'utf8') <= MAX_CLAIM_FOLDER_BYTES;
}

export function newClaimId(folder: readonly string[]): string {
  if (!claimFolderFits(folder)) throw new RangeError('claims folder path too long for a claim id');
  const random = randomBytes(RANDOM_HEX / 2).toString('hex');
  return folder.length === 0 ? random : `${random}.${Buffer.from(folder.join('/'), 'utf8').toString('base64url')}`;
}

/** null for anything that is not exactly an id this module makes (checked before any FTP command). */
export function parseClaimId(value: string): ParsedClaimId | null {
  const m = ID.exec(value);
  if (m === null) return null;
  const encoded = m[2];
  if (encoded === undefined) return { id: value, folder: [] };
  const bytes = Buffer.from(encoded, 'base64url');
  // Only the canonical encoding: one folder has one id form, and no bytes are smuggled in padding bits.
  if (bytes.toString('base64url') !== encoded) return null;
  const text = bytes.toString('utf8');
  if (Buffer.byteLength(text, 'utf8') !== bytes.length || bytes.length > MAX_CLAIM_FOLDER_BYTES) return null;
  const folder = text.split('/');
  if (folder.some((segment) => segment === '')) return null;
  return { id: value, folder };
}
