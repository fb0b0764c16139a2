import type { Request, RequestHandler, Response } from 'express';
import type { FtpEntry } from '../../ftp/index.js';
import { isFtpError } from '../../ftp/index.js';
import { context } from '../context.js';
import { ensureDirectory, isDirectory, isReplyError, removeTree } from '../ftpOps.js';
import { HttpError } from '../httpError.js';
import { serverAccess, withSession } from '../middleware/serverAccess.js';
import { parseQuery } from '../schemas.js';
import { resolveResource } from './resource.js';

/** GET/POST/DELETE a directory. */
export interface DirectoryEntry {
  name: string;
  type: FtpEntry['type'];
  size: number | null;
  modifiedAt: string | null;
}

export function listDirectory(): RequestHandler {
  return async (req: Request, res: Response) => {
    const dir = resolveResource(req, res, 'dirs');
    const query = parseQuery(req.query);
    const { signal } = context(res);
    const mode = query.mode ?? serverAccess(res).handle.config.mode;
    const entries = await withSession(
      res,
      async (session) => {
        try {
          return await session.list(dir.absolute, { signal, mode });
        } catch (err) {
          // LIST starts with CWD: a 550 is "missing" or "not a directory".
          if (isFtpError(err) && err.category === 'not-found' && isReplyError(err)) {
            const stat = await session.stat(dir.absolute, signal);
            if (stat !== null && stat.type !== 'directory') throw new HttpError(409, 'NOT_A_DIRECTORY', 'not a directory');
          }
          throw err;
        }
      },
      { retry: true },
    );
    res.json({ path: dir.relative, entries: sortEntries(entries) });
  };
}

/** Directories first, then by name (code-point order, stable across locales); "." and ".." never. */
export function sortEntries(entries: readonly FtpEntry[]): DirectoryEntry[] {
  return entries
    .filter((e) => e.name !== '.' && e.name !== '..' && e.name !== '')
    .map((e) => ({
      name: e.name,
      type: e.type,
      size: e.size,
      modifiedAt: e.modifiedAt !== null && !Number.isNaN(e.modifiedAt.getTime()) ? e.modifiedAt.toISOString() : null,
    }))
    .sort((a, b) => {
      const da = a.type === 'directory' ? 0 : 1;
      const db = b.type === 'directory' ? 0 : 1;
      if (da !== db) return da - db;
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
}

export function createDirectory(): RequestHandler {
  return async (req: Request, res: Response) => {
    const dir = resolveResource(req, res, 'dirs');
    parseQuery(req.query);
    if (dir.segments.length === 0) throw new HttpError(400, 'BAD_PATH', 'the root always exists');
    const { signal } = context(res);
    await withSession(res, (session) => ensureDirectory(session, dir.root, dir.segments, signal));
    res.status(201).json({ path: dir.relative });
  };
}

export function removeDirectory(): RequestHandler {
  return async (req: Request, res: Response) => {
    const dir = resolveResource(req, res, 'dirs');
    const query = parseQuery(req.query);
    if (dir.segments.length === 0) throw new HttpError(400, 'BAD_PATH', 'the root cannot be removed');
    const { signal } = context(res);
    const mode = query.mode ?? serverAccess(res).handle.config.mode;
    await withSession(res, async (session) => {
      if (!(await isDirectory(session, dir.absolute, signal))) {
        const stat = await session.stat(dir.absolute, signal);
        if (stat === null) throw new HttpError(404, 'NOT_FOUND', 'no such directory');
        throw new HttpError(409, 'NOT_A_DIRECTORY', 'not a directory: use /files/');
      }
      if (query.recursive === true) {
        await removeTree(session, dir.absolute, { signal, mode });
        return;
      }
      try {
        await session.rmdir(dir.absolute, signal);
      } catch (err) {
        if (!isReplyError(err)) throw err;
        const entries = await session.list(dir.absolute, { signal, mode });
        if (entries.some((e) => e.name !== '.' && e.name !== '..')) {
          throw new HttpError(409, 'DIRECTORY_NOT_EMPTY', 'directory not empty (use ?recursive=true)');
        }
        throw err;
      }
    });
    res.status(204).end();
  };
}
