/**
 * A claim's lease lives on the FTP server, beside its folder in `.claims/`,
 * as the name of an empty directory: `{id}.lease-{expiresAt in ms}`. One
 * listing of `.claims/` then tells a sweep every claim's expiry (a marker
 * inside each claim's folder would cost a listing per claim), a directory is
 * made with one command and no data connection (MKD), and `extend` renames
 * it (RNFR/RNTO, atomic) so the id never changes.
 *
 * The marker is also the claim's lock for a sweep: whoever removes it (RMD)
 * returns the file; a sweep that fails to remove it leaves the claim alone.
 */
const MARKER = /^(.+)\.lease-(\d{1,16})$/;

export function leaseMarkerName(id: string, expiresAt: number): string {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new RangeError('expiresAt must be a non-negative integer of ms');
  return `${id}.lease-${expiresAt}`;
}

/** The id and expiry a marker name encodes, or null for any other name. The id is returned as written: the caller checks its form. */
export function parseLeaseMarker(name: string): { id: string; expiresAt: number } | null {
  const m = MARKER.exec(name);
  if (m === null) return null;
  const expiresAt = Number(m[2]);
  if (!Number.isSafeInteger(expiresAt)) return null;
  return { id: m[1] as string, expiresAt };
}
