import type { Request, RequestHandler, Response } from 'express';
import type { FtpSession } from '../../../ftp/index.js';
import { context } from '../../context.js';
import { ensureDirectory, requireParent } from '../../../gateway/ftpOps.js';
import { HttpError } from '../../httpError.js';
import { serverAccess, withSession } from '../../middleware/serverAccess.js';
import { parseQuery, type TransferQuery } from '../../input/schemas.js';
import { resolveTransferOptions } from '../../../gateway/transferOptions.js';
import { commitUpload, stageUpload, type StagedUpload } from '../../../gateway/atomicUpload.js';
import { watchBody } from '../../body/bodyFloor.js';
import { uploadFailure } from '../../body/uploadFailure.js';
import { requestBodySource, tooLarge, type RequestBody } from '../../body/requestBody.js';
import type { RouteDeps } from '../../routeDeps.js';
import { discarder } from '../../../gateway/discarder.js';
import { modeOf, seconds } from './downloadFile.js';
import { resolveResource, type Resource } from '../../input/resource.js';
import { evaluateWrite, hasWritePreconditions, validatorsOf } from '../../input/conditional.js';

/**
 * PUT a file from the raw request body, streamed into STOR (atomic by
 * default: see atomicUpload.ts). A declared Content-Length over the limit is
 * refused before any FTP command; a body that grows past it is cut (413) and
 * nothing is kept, and so is one that arrives too slowly (408, bodyFloor.ts).
 */
export function putFile(deps: RouteDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const resource = resolveResource(req, res, 'files');
    const query = parseQuery(req.query);
    if (resource.segments.length === 0) throw new HttpError(409, 'IS_A_DIRECTORY', 'the root is a directory');
    const max = deps.config.limits.maxUploadBytes;
    const declared = declaredLength(req);
    if (max !== null && declared !== null && declared > max) throw tooLarge(max);
    const conditional = hasWritePreconditions(req.headers);

    const result = await withSession(res, (session) => store(deps, req, res, session, resource, query, { max, declared, conditional }));
    res.status(201).json({ path: resource.relative, size: result });
  };
}

async function store(
  deps: RouteDeps,
  req: Request,
  res: Response,
  session: FtpSession,
  resource: Resource,
  query: TransferQuery,
  limits: { max: number | null; declared: number | null; conditional: boolean },
): Promise<number> {
  const { signal, controller } = context(res);
  const { handle } = serverAccess(res);
  const choice = resolveTransferOptions(handle.config, query, resource.name);

  // Before anything changes on the server (no folder created, no staging
  // file, the body not read: a 100-continue client never sends it).
  const current = limits.conditional ? await session.stat(resource.absolute, signal) : null;
  if (limits.conditional) evaluateWrite(req.headers, validatorsOf(current));
  // A target that exists has its parents.
  if (current === null) {
    if (query.mkdirs === false) await requireParent(session, resource.root, resource.parentSegments, signal);
    else await ensureDirectory(session, resource.root, resource.parentSegments, signal);
  }

  const source: RequestBody = requestBodySource(req, limits.max);
  const transfer = deps.transfers.start(
    { server: handle.name, path: resource.relative, direction: 'upload', totalBytes: limits.declared },
    (reason) => controller.abort(reason),
  );
  const discard = discarder(serverAccess(res).pool, session, (path, err) =>
    deps.logger.warn({ path, err }, 'could not remove a temporary upload'),
  );
  const started = process.hrtime.bigint();
  let staged: StagedUpload | undefined;
  let ok = false;
  const floor = watchBody(deps.config.limits, signal, { bytes: () => source.bytes, waiting: () => source.awaitingClient() });
  try {
    staged = await stageUpload(
      session,
      source,
      {
        target: resource.absolute,
        atomic: query.atomic ?? true,
        append: query.append ?? false,
        type: choice.type,
        mode: choice.mode,
      },
      {
        signal: floor.signal,
        discard,
        onProgress: (bytes) => transfer.progress(bytes),
        explain: (err) => uploadFailure(floor.signal, err, () => (source.exceeded && limits.max !== null ? tooLarge(limits.max) : null)),
      },
    );
    floor.stop();
    const size = await commitUpload(session, staged, { signal, discard });
    ok = true;
    return size;
  } finally {
    floor.stop();
    if (!ok) source.destroy();
    transfer.finish();
    const mode = modeOf(staged?.method, choice);
    deps.metrics.transferBytes(handle.name, 'upload', mode, choice.type, source.bytes);
    deps.metrics.transferDuration(handle.name, 'upload', mode, choice.type, ok, seconds(started));
  }
}

function declaredLength(req: Request): number | null {
  const header = req.headers['content-length'];
  if (typeof header !== 'string' || !/^\d+$/.test(header)) return null;
  const n = Number(header);
  return Number.isSafeInteger(n) ? n : null;
}
