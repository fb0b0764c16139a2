import type { Request, RequestHandler, Response } from 'express';
import { isFtpError } from '../../../ftp/index.js';
import { context } from '../../context.js';
import { isReplyError } from '../../../gateway/ftpOps.js';
import { HttpError } from '../../httpError.js';
import { withSession } from '../../middleware/serverAccess.js';
import { parseQuery } from '../../input/schemas.js';
import { resolveResource } from '../../input/resource.js';
import { evaluateWrite, hasWritePreconditions, validatorsOf } from '../../input/conditional.js';

/**
 * DELETE a file. DELE on a folder fails with 550 like a missing file; stat
 * tells them apart. If-Match / If-Unmodified-Since cost a stat before DELE.
 */
export function deleteFile(): RequestHandler {
  return async (req: Request, res: Response) => {
    const file = resolveResource(req, res, 'files');
    parseQuery(req.query);
    if (file.segments.length === 0) throw new HttpError(409, 'IS_A_DIRECTORY', 'the root is a directory');
    const { signal } = context(res);
    await withSession(res, async (session) => {
      if (hasWritePreconditions(req.headers)) evaluateWrite(req.headers, validatorsOf(await session.stat(file.absolute, signal)));
      try {
        await session.delete(file.absolute, signal);
      } catch (err) {
        if (isFtpError(err) && isReplyError(err) && err.category === 'not-found') {
          const stat = await session.stat(file.absolute, signal);
          if (stat?.type === 'directory') throw new HttpError(409, 'IS_A_DIRECTORY', 'this is a directory: use /dirs/');
        }
        throw err;
      }
    });
    res.status(204).end();
  };
}
