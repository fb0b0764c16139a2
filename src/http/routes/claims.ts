import type { Request, RequestHandler, Response } from 'express';
import { MAX_CLAIM_FOLDER_BYTES, claimFolderFits, parseClaimId } from '../../gateway/claims/claimId.js';
import { CLAIMS_FOLDER, claimView } from '../../gateway/claims/claimOps.js';
import type { ClaimService, ClaimTarget } from '../../gateway/claims/claimService.js';
import { accountScope } from '../../gateway/serverRegistry.js';
import { context } from '../context.js';
import { HttpError, badPath } from '../httpError.js';
import { checkPathBytes, checkSegment, parsePlainPath } from '../input/paths.js';
import { ackBodySchema, claimBodySchema, extendBodySchema, parseBody, releaseBodySchema } from '../input/schemas.js';
import { serverAccess, withSession, type ServerAccess } from '../middleware/serverAccess.js';

/**
 * (v1.1) Claims: a folder as a work queue (src/gateway/claims). Every input
 * is checked before any FTP command: the folder and `to` under the path
 * rules, the id against the one form the gateway makes (its folder then
 * under the same rules). POST is a write: the API key needs write scope.
 */
const DEFAULTS = { pattern: '*', stableMs: 5_000, leaseMs: 300_000 } as const;

/** A queue folder: the path rules, maxPathBytes, short enough for the id to carry, and not a claims folder itself. */
function checkFolder(segments: string[], access: ServerAccess, what: string): string[] {
  checkPathBytes(segments, access.maxPathBytes, what);
  if (!claimFolderFits(segments)) {
    throw badPath(`${what}: a claims folder path is at most ${MAX_CLAIM_FOLDER_BYTES} bytes (the claim id carries it)`);
  }
  if (segments.includes(CLAIMS_FOLDER)) throw badPath(`${what}: a ${CLAIMS_FOLDER} folder is not a queue`);
  return segments;
}

function targetOf(access: ServerAccess, folder: readonly string[]): ClaimTarget {
  const scope = accountScope(access.handle.name, access.credentials);
  return { server: access.handle.name, scope, mode: access.handle.config.mode, root: access.root(), folder };
}

/** The claim named by `:id`, and its folder, or 400 before anything reaches the FTP server. */
function claimOf(req: Request, res: Response): { id: string; folder: string[]; access: ServerAccess } {
  const raw = req.params.id;
  const parsed = typeof raw === 'string' ? parseClaimId(raw) : null;
  if (parsed === null) throw new HttpError(400, 'BAD_CLAIM_ID', 'not a claim id this gateway makes');
  const access = serverAccess(res);
  const folder = checkFolder(
    parsed.folder.map((segment) => checkSegment(segment, 'claim id')),
    access,
    'claim id',
  );
  return { id: parsed.id, folder, access };
}

export function takeClaimRoute(claims: ClaimService): RequestHandler {
  return async (req, res) => {
    const body = parseBody(claimBodySchema, req.body);
    const access = serverAccess(res);
    const folder = checkFolder(parsePlainPath(body.path, 'path'), access, 'path');
    const options = {
      pattern: body.pattern ?? DEFAULTS.pattern,
      stableMs: body.stableMs ?? DEFAULTS.stableMs,
      leaseMs: body.leaseMs ?? DEFAULTS.leaseMs,
    };
    const { signal } = context(res);
    let target: ClaimTarget | undefined;
    const claim = await withSession(res, (session) => {
      target = targetOf(access, folder);
      return claims.take(session, target, options, signal);
    });
    if (target !== undefined) {
      claims.keepSwept(target, options.leaseMs, (fn, sweepSignal) => access.pool.use(fn, { signal: sweepSignal }));
    }
    if (claim === null) {
      res.status(204).end();
      return;
    }
    res.status(201).json(claimView(claim));
  };
}

export function ackClaimRoute(claims: ClaimService): RequestHandler {
  return async (req, res) => {
    const { id, folder, access } = claimOf(req, res);
    const body = parseBody(ackBodySchema, req.body);
    let to: string[] = [];
    if (body.disposition === 'move') {
      to = parsePlainPath(body.to, 'to');
      checkPathBytes(to, access.maxPathBytes, 'to');
      if (to.includes(CLAIMS_FOLDER)) throw badPath(`to: a file is not acked into a ${CLAIMS_FOLDER} folder`);
    }
    const disposition = body.disposition === 'move' ? { disposition: 'move' as const, to } : { disposition: 'delete' as const };
    const { signal } = context(res);
    await withSession(res, (session) => claims.ack(session, targetOf(access, folder), id, disposition, signal));
    res.status(204).end();
  };
}

export function releaseClaimRoute(claims: ClaimService): RequestHandler {
  return async (req, res) => {
    const { id, folder, access } = claimOf(req, res);
    parseBody(releaseBodySchema, req.body ?? {});
    const { signal } = context(res);
    await withSession(res, (session) => claims.release(session, targetOf(access, folder), id, signal));
    res.status(204).end();
  };
}

export function extendClaimRoute(claims: ClaimService): RequestHandler {
  return async (req, res) => {
    const { id, folder, access } = claimOf(req, res);
    const body = parseBody(extendBodySchema, req.body);
    const { signal } = context(res);
    const expiresAt = await withSession(res, (session) => claims.extend(session, targetOf(access, folder), id, body.leaseMs, signal));
    res.status(200).json({ id, expiresAt: expiresAt.toISOString() });
  };
}
