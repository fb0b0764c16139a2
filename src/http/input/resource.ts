import type { Request, Response } from 'express';
import { HttpError } from '../httpError.js';
import { serverAccess } from '../middleware/serverAccess.js';
import { joinRoot } from '../../gateway/ftpPaths.js';
import { checkPathBytes, decodeRawPath, rawPathname, relativePath, splitResourceTarget } from './paths.js';

/**
 * The `{path}` of a files/dirs URL, taken from the RAW request target (see
 * paths.ts) and joined onto the server's root. `absolute` and `root` are
 * read on use: a root below the login directory is known only once a
 * session has logged in (inside withSession), and the path is checked
 * before that.
 */
export interface Resource {
  segments: string[];
  /** Absolute FTP path. */
  readonly absolute: string;
  /** Root-relative, no leading slash (what responses show). */
  relative: string;
  /** Last segment ("" for the root). */
  name: string;
  parentSegments: string[];
  /** The server's root as an absolute FTP path. */
  readonly root: string;
}

export const API_PREFIX = ['api', 'v1', 'servers'] as const;

export function resolveResource(req: Request, res: Response, kind: 'files' | 'dirs' | 'events'): Resource {
  const split = splitResourceTarget(rawPathname(req.originalUrl), API_PREFIX, kind);
  if (split === null) throw new HttpError(400, 'BAD_PATH', 'unexpected request target');
  const segments = decodeRawPath(split.rest);
  const access = serverAccess(res);
  checkPathBytes(segments, access.maxPathBytes);
  return resourceOf(access.root, segments);
}

export function resourceOf(root: () => string, segments: string[]): Resource {
  return {
    segments,
    get absolute() {
      return joinRoot(root(), segments);
    },
    relative: relativePath(segments),
    name: segments.at(-1) ?? '',
    parentSegments: segments.slice(0, -1),
    get root() {
      return root();
    },
  };
}
