import type { FtpDataMode, FtpEntry, FtpSession } from '../../ftp/index.js';
import { isFtpError } from '../../ftp/index.js';
import { ensureDirectory, isReplyError } from '../ftpOps.js';
import { joinRoot } from '../ftpPaths.js';
import { GatewayError } from '../gatewayError.js';
import { newClaimId, parseClaimId } from './claimId.js';
import { leaseMarkerName, parseLeaseMarker } from './leaseMarker.js';

/**
 * Claims as FTP operations on one session (contract v1.1 "Claims"). The FTP
 * server is the only arbiter: a file is claimed by renaming it into
 * `{folder}/.claims/{id}/` (RNFR/RNTO is atomic on the server, so of two
 * racing claims one wins and the other gets a negative reply and tries its
 * next candidate), and a claim's expiry is the name of its lease marker
 * (leaseMarker.ts), so any replica can return an expired claim.
 *
 * Order of steps, so that a process killed between any two leaves nothing a
 * sweep cannot finish: a claim makes its marker, then its folder, then
 * renames the file in; an ack or release moves the file out, then removes
 * the folder, then the marker; a sweep removes an expired marker first (whoever
 * removes it owns the return), then moves the file back, then the folder.
 */
export const CLAIMS_FOLDER = '.claims';

export interface ClaimPlace {
  /** Absolute FTP path of the server's root for this session. */
  root: string;
  /** Root-relative segments of the queue folder. */
  folder: readonly string[];
}

export interface OpContext {
  signal: AbortSignal;
  mode: FtpDataMode;
  /** ms since the epoch: the expiry of a lease is this clock's. */
  now: () => number;
}

export interface ClaimCandidate {
  name: string;
  size: number | null;
  modifiedAt: Date | null;
}

export interface Claim extends ClaimCandidate {
  id: string;
  /** Root-relative path of the file now: `{folder}/.claims/{id}/{name}`. */
  path: string;
  expiresAt: Date;
}

/** A claim as callers are told of it (the HTTP answer, a webhook's body): times as ISO 8601. */
export function claimView(claim: Claim): {
  id: string;
  path: string;
  name: string;
  size: number | null;
  modifiedAt: string | null;
  expiresAt: string;
} {
  return {
    id: claim.id,
    path: claim.path,
    name: claim.name,
    size: claim.size,
    modifiedAt: claim.modifiedAt?.toISOString() ?? null,
    expiresAt: claim.expiresAt.toISOString(),
  };
}

export interface TakeResult {
  claim: Claim | null;
  /** Candidates another claim renamed first (the race losers' count). */
  lost: number;
}

export type Disposition = { disposition: 'delete' } | { disposition: 'move'; to: readonly string[] };

/** What one `.claims/` listing shows: each claim's expiry (the latest marker), and the claim folders. */
export interface ClaimsListing {
  leases: Map<string, { expiresAt: number; markers: string[] }>;
  folders: Set<string>;
}

const folderPath = (place: ClaimPlace): string => joinRoot(place.root, place.folder);
const claimsPath = (place: ClaimPlace): string => joinRoot(place.root, [...place.folder, CLAIMS_FOLDER]);
const claimPath = (place: ClaimPlace, id: string, name?: string): string =>
  joinRoot(place.root, [...place.folder, CLAIMS_FOLDER, id, ...(name === undefined ? [] : [name])]);

export function claimRelativePath(folder: readonly string[], id: string, name: string): string {
  return [...folder, CLAIMS_FOLDER, id, name].join('/');
}

export function notHeld(): GatewayError {
  return new GatewayError('CLAIM_NOT_HELD', 'no such claim, or its lease expired');
}

/** A name a listing gave that may be sent back as one path segment. */
export function usableName(entry: FtpEntry): boolean {
  const { name } = entry;
  return entry.raw === undefined && name !== '' && name !== '.' && name !== '..' && !/[/\\\r\n\0]/.test(name);
}

/** A listing of a folder, or null when the server says it is not there. */
async function listOrNull(session: FtpSession, path: string, ctx: OpContext): Promise<FtpEntry[] | null> {
  try {
    return await session.list(path, { signal: ctx.signal, mode: ctx.mode });
  } catch (err) {
    if (isReplyError(err)) return null;
    throw err;
  }
}

/** Runs an FTP step whose negative reply only means someone else got there first. */
async function quietly(step: () => Promise<void>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (err) {
    if (isReplyError(err)) return false;
    throw err;
  }
}

export async function listClaims(session: FtpSession, place: ClaimPlace, ctx: OpContext): Promise<ClaimsListing | null> {
  const entries = await listOrNull(session, claimsPath(place), ctx);
  if (entries === null) return null;
  const listing: ClaimsListing = { leases: new Map(), folders: new Set() };
  for (const entry of entries) {
    if (!usableName(entry)) continue;
    const marker = parseLeaseMarker(entry.name);
    if (marker !== null && parseClaimId(marker.id) !== null) {
      const lease = listing.leases.get(marker.id);
      if (lease === undefined) listing.leases.set(marker.id, { expiresAt: marker.expiresAt, markers: [entry.name] });
      else {
        lease.markers.push(entry.name);
        lease.expiresAt = Math.max(lease.expiresAt, marker.expiresAt);
      }
    } else if (parseClaimId(entry.name) !== null) listing.folders.add(entry.name);
  }
  return listing;
}

/** `{stem}.returned-{tag}{ext}`: the name a returned file gets when its own was taken again meanwhile. */
export function returnedName(name: string, tag: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}.returned-${tag}${name.slice(dot)}` : `${name}.returned-${tag}`;
}

/**
 * Put a claimed file back in the queue folder. RNTO replaces an existing
 * file on vsftpd, pure-ftpd and proftpd alike (and FTP has no rename that
 * refuses to), so the name is checked first: a file that arrived under the
 * same name meanwhile is never overwritten; the returned one then takes
 * `returnedName` (with the claim id's first 8, then all 24 hex digits). The
 * check and the rename are two commands: a file created in between would
 * still be replaced (documented). Returns the name it got, or null when the
 * file was no longer there (someone else moved it) or every name was taken.
 */
export async function restoreFile(
  session: FtpSession,
  place: ClaimPlace,
  id: string,
  name: string,
  ctx: OpContext,
): Promise<string | null> {
  for (const target of [name, returnedName(name, id.slice(0, 8)), returnedName(name, id.slice(0, 24))]) {
    const absolute = joinRoot(place.root, [...place.folder, target]);
    if ((await session.stat(absolute, ctx.signal)) !== null) continue;
    const moved = await quietly(() => session.rename(claimPath(place, id, name), absolute, ctx.signal));
    return moved ? target : null;
  }
  return null;
}

async function claimedFiles(session: FtpSession, place: ClaimPlace, id: string, ctx: OpContext): Promise<string[] | null> {
  const entries = await listOrNull(session, claimPath(place, id), ctx);
  if (entries === null) return null;
  return entries.filter((e) => e.type === 'file' && usableName(e)).map((e) => e.name);
}

/** Folder, then markers: the reverse of how a claim is made (a folder is never left without its marker). */
async function dropClaim(session: FtpSession, place: ClaimPlace, id: string, markers: readonly string[], ctx: OpContext): Promise<void> {
  await quietly(() => session.rmdir(claimPath(place, id), ctx.signal));
  for (const marker of markers) await quietly(() => session.rmdir(joinRoot(claimsPath(place), [marker]), ctx.signal));
}

/** Return every file of a claim whose marker is gone (removed by this sweep, or never there), then its folder. */
export async function returnClaim(session: FtpSession, place: ClaimPlace, id: string, ctx: OpContext): Promise<number> {
  const files = (await claimedFiles(session, place, id, ctx)) ?? [];
  let returned = 0;
  for (const name of files) if ((await restoreFile(session, place, id, name, ctx)) !== null) returned++;
  await quietly(() => session.rmdir(claimPath(place, id), ctx.signal));
  return returned;
}

/**
 * Return the expired claims of one `.claims/` listing. A claim whose marker
 * this sweep could not remove belongs to someone else (another sweep, or an
 * extend that renamed it): left alone. Returns the ids this sweep returned.
 */
export async function sweepExpired(session: FtpSession, place: ClaimPlace, listing: ClaimsListing, ctx: OpContext): Promise<string[]> {
  const now = ctx.now();
  const swept: string[] = [];
  for (const [id, lease] of listing.leases) {
    if (lease.expiresAt > now) continue;
    const latest = leaseMarkerName(id, lease.expiresAt);
    if (!(await quietly(() => session.rmdir(joinRoot(claimsPath(place), [latest]), ctx.signal)))) continue;
    for (const marker of lease.markers) {
      if (marker !== latest) await quietly(() => session.rmdir(joinRoot(claimsPath(place), [marker]), ctx.signal));
    }
    if (listing.folders.has(id)) await returnClaim(session, place, id, ctx);
    swept.push(id);
  }
  return swept;
}

async function makeLease(session: FtpSession, place: ClaimPlace, id: string, expiresAt: number, ctx: OpContext): Promise<string> {
  const marker = joinRoot(claimsPath(place), [leaseMarkerName(id, expiresAt)]);
  if (!(await quietly(() => session.mkdir(marker, ctx.signal)))) {
    // The first claim in this folder: `.claims` is made on demand (another claim may make it first).
    await ensureDirectory(session, place.root, [...place.folder, CLAIMS_FOLDER], ctx.signal);
    await session.mkdir(marker, ctx.signal);
  }
  await session.mkdir(claimPath(place, id), ctx.signal);
  return marker;
}

/**
 * Take the first of `candidates` (in the caller's order) that this claim
 * renames before anyone else does; `reserve` lets the caller skip a name its
 * own process is renaming right now (null) and learn when the try is over. A negative reply to RNFR or RNTO means
 * the file is gone (another claim, a consumer, the partner): the next
 * candidate is tried. With none left, the lease is dropped: null.
 */
export async function takeClaim(
  session: FtpSession,
  place: ClaimPlace,
  candidates: readonly ClaimCandidate[],
  leaseMs: number,
  ctx: OpContext,
  reserve: (name: string) => (() => void) | null = () => () => undefined,
): Promise<TakeResult> {
  if (candidates.length === 0) return { claim: null, lost: 0 };
  const id = newClaimId(place.folder);
  const expiresAt = ctx.now() + leaseMs;
  const marker = await makeLease(session, place, id, expiresAt, ctx);
  let lost = 0;
  for (const candidate of candidates) {
    const unreserve = reserve(candidate.name);
    if (unreserve === null) continue;
    const from = joinRoot(place.root, [...place.folder, candidate.name]);
    try {
      if (await quietly(() => session.rename(from, claimPath(place, id, candidate.name), ctx.signal))) {
        const path = claimRelativePath(place.folder, id, candidate.name);
        return { claim: { ...candidate, id, path, expiresAt: new Date(expiresAt) }, lost };
      }
    } finally {
      unreserve();
    }
    lost++;
  }
  await quietly(() => session.rmdir(claimPath(place, id), ctx.signal));
  await quietly(() => session.rmdir(marker, ctx.signal));
  return { claim: null, lost };
}

/** The claim's lease if it is held (a marker that has not expired), else CLAIM_NOT_HELD. */
async function heldLease(session: FtpSession, place: ClaimPlace, id: string, ctx: OpContext) {
  const lease = (await listClaims(session, place, ctx))?.leases.get(id);
  if (lease === undefined || lease.expiresAt <= ctx.now()) throw notHeld();
  return lease;
}

/**
 * The claim's file. A name this process put there itself (`known`) is used as
 * it is: a claim's file never changes its name, and a step on a file that is
 * gone fails as CLAIM_NOT_HELD anyway. That saves a listing per ack or release.
 */
async function heldFiles(session: FtpSession, place: ClaimPlace, id: string, ctx: OpContext, known?: string): Promise<string[]> {
  if (known !== undefined) return [known];
  const files = await claimedFiles(session, place, id, ctx);
  if (files === null || files.length === 0) throw notHeld();
  return files;
}

/**
 * Ack: delete the file, or move it into the folder `to` (made when missing;
 * a file of the same name there → TARGET_EXISTS, and the claim stays held).
 * A file a sweep took back meanwhile (the lease ran out on its clock) →
 * CLAIM_NOT_HELD.
 */
export async function ackClaim(
  session: FtpSession,
  place: ClaimPlace,
  id: string,
  disposition: Disposition,
  ctx: OpContext,
  known?: string,
): Promise<void> {
  const lease = await heldLease(session, place, id, ctx);
  const files = await heldFiles(session, place, id, ctx, known);
  if (disposition.disposition === 'move') {
    await ensureDirectory(session, place.root, disposition.to, ctx.signal);
    for (const name of files) {
      if ((await session.stat(joinRoot(place.root, [...disposition.to, name]), ctx.signal)) !== null) {
        throw new GatewayError('TARGET_EXISTS', 'a file of this name is already in the ack folder');
      }
    }
  }
  for (const name of files) {
    try {
      if (disposition.disposition === 'delete') await session.delete(claimPath(place, id, name), ctx.signal);
      else await session.rename(claimPath(place, id, name), joinRoot(place.root, [...disposition.to, name]), ctx.signal);
    } catch (err) {
      const gone = isReplyError(err) && (disposition.disposition === 'delete' || (isFtpError(err) && err.command === 'RNFR'));
      if (gone) throw notHeld();
      throw err;
    }
  }
  await dropClaim(session, place, id, lease.markers, ctx);
}

/** Release: the file goes back to the queue folder under its name (restoreFile's rule when taken). Returns the name it got. */
export async function releaseClaim(session: FtpSession, place: ClaimPlace, id: string, ctx: OpContext, known?: string): Promise<string[]> {
  const lease = await heldLease(session, place, id, ctx);
  const files = await heldFiles(session, place, id, ctx, known);
  const names: string[] = [];
  for (const name of files) {
    const restored = await restoreFile(session, place, id, name, ctx);
    if (restored === null) throw notHeld();
    names.push(restored);
  }
  await dropClaim(session, place, id, lease.markers, ctx);
  return names;
}

/** Extend: rename the marker to the new expiry (now + leaseMs); the id stays. A marker gone meanwhile → CLAIM_NOT_HELD. */
export async function extendClaim(session: FtpSession, place: ClaimPlace, id: string, leaseMs: number, ctx: OpContext): Promise<Date> {
  const lease = await heldLease(session, place, id, ctx);
  const expiresAt = ctx.now() + leaseMs;
  if (expiresAt === lease.expiresAt) return new Date(expiresAt);
  const from = joinRoot(claimsPath(place), [leaseMarkerName(id, lease.expiresAt)]);
  const to = joinRoot(claimsPath(place), [leaseMarkerName(id, expiresAt)]);
  if (!(await quietly(() => session.rename(from, to, ctx.signal)))) throw notHeld();
  return new Date(expiresAt);
}

export { folderPath };
