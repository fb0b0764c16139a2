import type { Request, RequestHandler, Response } from 'express';
import { context } from '../context.js';
import { ensureDirectory, isReplyError } from '../../gateway/ftpOps.js';
import { HttpError } from '../httpError.js';
import { serverAccess, withSession } from '../middleware/serverAccess.js';
import { checkPathBytes, parsePlainPath } from '../input/paths.js';
import { parseMoveBody } from '../input/schemas.js';
import { resourceOf } from '../input/resource.js';

/**
 * POST move: RNFR/RNTO (RFC 959 §4.1.3). `from`/`to` are plain strings (not
 * percent-decoded) under the segment rules. Missing parents of `to` are
 * created; an existing `to` is 409 unless `overwrite` (files only: a folder
 * is never removed to make room).
 */
export function moveEntry(): RequestHandler {
  return async (req: Request, res: Response) => {
    const body = parseMoveBody(req.body);
    const access = serverAccess(res);
    const { root } = access;
    const from = resourceOf(root, parsePlainPath(body.from, 'from'));
    const to = resourceOf(root, parsePlainPath(body.to, 'to'));
    checkPathBytes(from.segments, access.maxPathBytes, 'from');
    checkPathBytes(to.segments, access.maxPathBytes, 'to');
    if (from.segments.length === 0 || to.segments.length === 0) throw new HttpError(400, 'BAD_PATH', 'the root cannot be moved');
    const { signal } = context(res);
    await withSession(res, async (session) => {
      const source = await session.stat(from.absolute, signal);
      if (source === null) throw new HttpError(404, 'NOT_FOUND', 'no such file or directory: from');
      if (from.absolute === to.absolute) return;
      const existing = await session.stat(to.absolute, signal);
      if (existing !== null) {
        if (body.overwrite !== true) throw new HttpError(409, 'TARGET_EXISTS', 'the target exists (overwrite: true to replace it)');
        if (existing.type === 'directory') throw new HttpError(409, 'TARGET_EXISTS', 'the target is a directory');
      }
      await ensureDirectory(session, to.root, to.parentSegments, signal);
      try {
        await session.rename(from.absolute, to.absolute, signal);
      } catch (err) {
        // Some servers refuse RNTO onto an existing file: remove it, then rename.
        if (existing === null || !isReplyError(err)) throw err;
        await session.delete(to.absolute, signal);
        await session.rename(from.absolute, to.absolute, signal);
      }
    });
    res.status(200).json({ path: to.relative });
  };
}
