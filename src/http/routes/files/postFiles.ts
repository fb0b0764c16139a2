import type { Request, RequestHandler, Response } from 'express';
import multer, { MulterError } from 'multer';
import type { FtpSession } from '../../../ftp/index.js';
import { isFtpError } from '../../../ftp/index.js';
import { isGatewayError } from '../../../gateway/gatewayError.js';
import { context } from '../../context.js';
import { ensureDirectory, requireDirectory } from '../../../gateway/ftpOps.js';
import { HttpError, isHttpError } from '../../httpError.js';
import { serverAccess, withSession } from '../../middleware/serverAccess.js';
import { checkFileName, checkPathBytes, relativePath } from '../../input/paths.js';
import { parseQuery } from '../../input/schemas.js';
import { resolveTransferOptions } from '../../../gateway/transferOptions.js';
import { commitUpload, discardUpload } from '../../../gateway/atomicUpload.js';
import { waitingForBody, watchBody } from '../../body/bodyFloor.js';
import { FtpStorage, type StoredPart } from '../../body/ftpStorage.js';
import type { RouteDeps } from '../../routeDeps.js';
import { discarder } from '../../../gateway/discarder.js';
import { modeOf } from './downloadFile.js';
import { resolveResource, type Resource } from '../../input/resource.js';
import { evaluateWrite, hasWritePreconditions, validatorsOf } from '../../input/conditional.js';

/**
 * POST multipart/form-data into a folder: every part with a filename is a
 * file (whatever its field name), streamed through FtpStorage. A bad file
 * name fails the whole request in multer's fileFilter, before any FTP command
 * for it; multer then calls _removeFile for what earlier parts staged.
 */
const LIMIT_CODES = new Set([
  'LIMIT_FILE_SIZE',
  'LIMIT_FILE_COUNT',
  'LIMIT_PART_COUNT',
  'LIMIT_FIELD_COUNT',
  'LIMIT_FIELD_VALUE',
  'LIMIT_FIELD_KEY',
]);

export function postFiles(deps: RouteDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const resource = resolveResource(req, res, 'files');
    const query = parseQuery(req.query);
    if (!req.is('multipart/form-data')) throw new HttpError(400, 'BAD_BODY', 'expected multipart/form-data');
    // A part written in place is on the server before its name could be
    // checked against a precondition: only staged parts can honour one.
    if (hasWritePreconditions(req.headers) && query.atomic === false) {
      throw new HttpError(400, 'BAD_OPTION', 'If-Match, If-None-Match and If-Unmodified-Since need atomic=true');
    }
    const stored = await withSession(res, (session) => receive(deps, req, res, session, resource, query.mkdirs !== false, query));
    res.status(201).json(stored);
  };
}

async function receive(
  deps: RouteDeps,
  req: Request,
  res: Response,
  session: FtpSession,
  dir: Resource,
  mkdirs: boolean,
  query: ReturnType<typeof parseQuery>,
): Promise<Array<{ path: string; size: number }>> {
  const { signal, controller } = context(res);
  const { handle, maxPathBytes } = serverAccess(res);
  const limits = deps.config.limits;
  if (mkdirs) await ensureDirectory(session, dir.root, dir.segments, signal);
  else if (dir.segments.length > 0) await requireDirectory(session, dir.absolute, signal);

  const discard = discarder(serverAccess(res).pool, session, (path, err) =>
    deps.logger.warn({ path, err }, 'could not remove a temporary upload'),
  );
  // The socket's count: busboy reads the request, and only deltas matter.
  const floor = watchBody(limits, signal, { bytes: () => req.socket.bytesRead, waiting: () => waitingForBody(req) });
  const storage = new FtpStorage({
    session,
    directory: dir.absolute,
    atomic: query.atomic ?? true,
    mode: query.mode ?? handle.config.mode,
    typeFor: (name) => resolveTransferOptions(handle.config, query, name).type,
    signal: floor.signal,
    maxFileBytes: limits.maxUploadBytes,
    discard,
    startTransfer: (name) =>
      deps.transfers.start(
        { server: handle.name, path: relativePath([...dir.segments, name]), direction: 'upload', totalBytes: null },
        (reason) => controller.abort(reason),
      ),
    onStored: ({ bytes, method, type }) =>
      deps.metrics.transferBytes(handle.name, 'upload', modeOf(method, { mode: query.mode ?? handle.config.mode }), type, bytes),
  });
  const upload = multer({
    storage,
    // Keep the name as sent: busboy's default basename() would quietly turn
    // "../x" into "x"; the contract wants such a name refused.
    preservePath: true,
    defParamCharset: 'utf8',
    limits: {
      files: limits.maxFiles,
      fields: limits.maxFields,
      fieldSize: limits.maxFieldSize,
      ...(limits.maxUploadBytes !== null ? { fileSize: limits.maxUploadBytes } : {}),
    },
    fileFilter: (_req, file, cb) => {
      try {
        checkFileName(file.originalname);
        checkPathBytes([...dir.segments, file.originalname], maxPathBytes, 'filename');
        cb(null, true);
      } catch (err) {
        cb(err as Error);
      }
    },
  }).any();

  let files: Array<Express.Multer.File & Partial<StoredPart>>;
  try {
    const parsed = new Promise<null>((resolve, reject) => {
      upload(req, res, (err?: unknown) => (err ? reject(err) : resolve(null)));
    });
    // After a failure multer drains the body before it calls back: a body too
    // slow would hold the session all that time, so a 408 does not wait for it.
    parsed.catch(() => undefined);
    const slow = await Promise.race([parsed, floor.tripped]);
    if (slow) {
      await storage.close(slow);
      throw slow;
    }
    files = (req.files ?? []) as Array<Express.Multer.File & Partial<StoredPart>>;
  } catch (err) {
    throw translate(err);
  } finally {
    floor.stop();
    // multer can finish (client abort) while a part is still on the session.
    await storage.idle();
  }

  const out: Array<{ path: string; size: number }> = [];
  const pending = files.filter((f) => f.staged !== undefined);
  if (hasWritePreconditions(req.headers)) await checkTargets(req, session, pending, signal, discard);
  try {
    while (pending.length > 0) {
      const file = pending[0] as Express.Multer.File & StoredPart;
      const size = await commitUpload(session, file.staged, { signal, discard });
      pending.shift();
      out.push({ path: relativePath([...dir.segments, file.originalname]), size });
    }
  } catch (err) {
    // What was not committed yet must not stay behind as temporaries.
    for (const file of pending.slice(1)) if (file.staged) await discardUpload(file.staged, discard);
    throw err;
  }
  return out;
}

/** Every target is checked before the first commit, so that a 412 keeps no part. */
async function checkTargets(
  req: Request,
  session: FtpSession,
  staged: Array<Express.Multer.File & Partial<StoredPart>>,
  signal: AbortSignal,
  discard: (path: string) => Promise<void>,
): Promise<void> {
  try {
    for (const file of staged) if (file.staged) evaluateWrite(req.headers, validatorsOf(await session.stat(file.staged.target, signal)));
  } catch (err) {
    for (const file of staged) if (file.staged) await discardUpload(file.staged, discard);
    throw err;
  }
}

function translate(err: unknown): unknown {
  if (isHttpError(err) || isGatewayError(err) || isFtpError(err)) return err;
  if (err instanceof MulterError) {
    return LIMIT_CODES.has(err.code)
      ? new HttpError(413, 'PAYLOAD_TOO_LARGE', `multipart limit: ${err.code}`)
      : new HttpError(400, 'BAD_BODY', `multipart: ${err.code}`);
  }
  // busboy: "Unexpected end of form", "Malformed part header", a client abort...
  return new HttpError(400, 'BAD_BODY', 'malformed multipart body', { cause: err });
}
