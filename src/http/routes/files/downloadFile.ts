import type { Request, RequestHandler, Response } from 'express';
import mime from 'mime-types';
import {
  incompleteError,
  isRestRefused,
  type FtpDataMethod,
  type FtpDownloadRequest,
  type FtpSession,
  type FtpStat,
} from '../../../ftp/index.js';
import { context } from '../../context.js';
import { HttpError } from '../../httpError.js';
import { serverAccess, withSession } from '../../middleware/serverAccess.js';
import { decideRange } from '../../input/range.js';
import { parseQuery } from '../../input/schemas.js';
import { resolveTransferOptions, type TransferChoice } from '../../../gateway/transferOptions.js';
import { ResponseSink } from '../../body/responseSink.js';
import type { RouteDeps } from '../../routeDeps.js';
import { resolveResource, type Resource } from '../../input/resource.js';
import { evaluateRead, rangeApplies, validatorsOf, type Validators } from '../../input/conditional.js';

/**
 * GET/HEAD a file. SIZE/MDTM (or MLST) give the headers and decide a
 * conditional request (304, 412: input/conditional.ts); HEAD and 304 stop
 * there (no data connection). Range → REST + a length-capped RETR (RFC 9110 §14);
 * on a server without REST, the whole file (200). Without SIZE, binary goes
 * chunked; without MDTM, no Last-Modified.
 * ASCII: the length on the wire is unknown in advance and byte offsets do
 * not survive line-end conversion, so no Content-Length and no ranges.
 */
/** From about a megabyte on, the kernel relay pays for its thread and handshake. */
export const DIRECT_MIN_BYTES = 1024 * 1024;
const DOWNLOAD_HEADERS = [
  'Content-Length',
  'Content-Range',
  'Content-Disposition',
  'Content-Security-Policy',
  'Last-Modified',
  'ETag',
  'Accept-Ranges',
  'Content-Type',
];

export function downloadFile(deps: RouteDeps): RequestHandler {
  return async (req: Request, res: Response) => {
    const resource = resolveResource(req, res, 'files');
    const query = parseQuery(req.query);
    if (resource.segments.length === 0) throw new HttpError(409, 'IS_A_DIRECTORY', 'the root is a directory');
    const { handle } = serverAccess(res);
    const choice = resolveTransferOptions(handle.config, query, resource.name);
    const inline = query.inline === true;
    await withSession(
      res,
      async (session) => {
        try {
          await send(deps, req, res, session, resource, choice, inline);
        } catch (err) {
          // The range's REST was refused as not implemented, nothing sent yet:
          // the session has learned the server has none, and the whole file goes (200).
          if (!isRestRefused(err) || res.headersSent) throw err;
          await send(deps, req, res, session, resource, choice, inline);
        }
      },
      { retry: true },
    );
  };
}

async function send(
  deps: RouteDeps,
  req: Request,
  res: Response,
  session: FtpSession,
  resource: Resource,
  choice: TransferChoice,
  inline: boolean,
): Promise<void> {
  const { signal, controller } = context(res);
  const { handle } = serverAccess(res);
  const binary = choice.type === 'binary';
  const ctx = context(res);
  let sink: ResponseSink | undefined;
  let stat: FtpStat | null = null;
  let expected: number | null = null;
  let transfer: ReturnType<RouteDeps['transfers']['start']> | undefined;
  let started = 0n;
  let wire = 0;
  // One FTP operation: the stat (SIZE+MDTM or MLST) with, where the server
  // takes pipelined commands, the download's EPSV in the same round trip;
  // then the download decided here, or none (HEAD, 304, an empty body).
  const decide = (found: FtpStat | null): FtpDownloadRequest | null => {
    stat = found;
    if (found === null) throw new HttpError(404, 'NOT_FOUND', 'no such file');
    if (found.type === 'directory') throw new HttpError(409, 'IS_A_DIRECTORY', 'this is a directory: use /dirs/');
    const validators = validatorsOf(found, binary ? 'binary' : choice.eol);
    if (evaluateRead(req.headers, validators) === 'not-modified') {
      notModified(res, found, validators);
      return null;
    }
    const size = binary ? found.size : null;
    // A server known to have no REST serves a range as the whole file (200), never as wrong bytes.
    const ranges = binary && session.restMode !== 'none' && rangeApplies(req.headers, validators);
    const range = decideRange(ranges ? req.headers.range : undefined, size);
    if (range.kind === 'unsatisfiable') {
      throw new HttpError(416, 'RANGE_NOT_SATISFIABLE', 'range starts past the end of the file', {
        headers: { 'Content-Range': `bytes */${size ?? 0}` },
      });
    }
    setHeaders(res, resource, found, inline);
    if (validators.etag !== null) res.setHeader('ETag', validators.etag);
    let offset = 0;
    let length: number | undefined;
    if (range.kind === 'partial' && size !== null) {
      offset = range.start;
      length = range.end - range.start + 1;
      res.status(206);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      res.setHeader('Content-Length', String(length));
    } else {
      res.status(200);
      if (size !== null) res.setHeader('Content-Length', String(size));
    }
    if (req.method === 'HEAD' || length === 0 || (size === 0 && range.kind !== 'partial')) {
      res.end();
      return null;
    }

    const totalBytes = size === null ? null : (length ?? size);
    expected = totalBytes;
    transfer = deps.transfers.start({ server: handle.name, path: resource.relative, direction: 'download', totalBytes }, (reason) =>
      controller.abort(reason),
    );
    // The relay carries binary bodies of a declared length only (no framing to add).
    const out = new ResponseSink(res, { direct: binary && totalBytes !== null && totalBytes >= DIRECT_MIN_BYTES });
    sink = out;
    // A client that has the whole Content-Length body may hang up before the
    // 226 arrives; the transfer then still ends as it would have, and the
    // request is logged when it has.
    if (binary && totalBytes !== null) ctx.bodyComplete = () => out.mayHaveAll(totalBytes);
    ctx.bodyBytesDirect = () => out.bytesDirect;
    // Relayed, the bytes read from the FTP server and not yet written to the
    // client sit in the relay's pipe: it waits on the client.
    ctx.bodyPendingDirect = () => out.relaying && wire > out.bytesDirect;
    started = process.hrtime.bigint();
    return {
      destination: out,
      options: {
        mode: choice.mode,
        type: choice.type,
        eol: choice.eol,
        signal,
        ...(offset > 0 ? { offset } : {}),
        // Only cap when the range ends before EOF: capping costs an ABOR.
        ...(length !== undefined && size !== null && offset + length < size ? { length } : {}),
        // Stream mode ends a file with the data connection's FIN, which a clean cut imitates: the FTP layer counts.
        ...(binary && totalBytes !== null ? { expectedBytes: totalBytes } : {}),
        // No SIZE: the 150's size, if it names one, is still a Content-Length (the FTP layer then checks it).
        ...(binary && totalBytes === null
          ? {
              onOpened: ({ announcedBytes }: { announcedBytes: number | null }) => {
                if (announcedBytes === null || res.headersSent) return;
                res.setHeader('Content-Length', String(announcedBytes));
                expected = announcedBytes;
                transfer?.total(announcedBytes);
              },
            }
          : {}),
        onProgress: (p) => {
          wire = p.bytes;
          transfer?.progress(p.bytes);
        },
      },
    };
  };
  let method: FtpDataMethod | undefined;
  let ok = false;
  try {
    const downloading = session.statAndDownload(resource.absolute, decide, {
      mode: choice.mode,
      type: choice.type,
      // HEAD and conditional reads most likely need no data connection: nothing is sent ahead for them.
      transfer: req.method !== 'HEAD' && req.headers['if-none-match'] === undefined && req.headers['if-modified-since'] === undefined,
      signal,
    });
    ctx.bodySettled = downloading.catch(() => undefined);
    const result = await downloading;
    if (result === null || sink === undefined) return;
    const out: ResponseSink = sink;
    method = result.method;
    // Binary: fewer bytes than the Content-Length promised is a cut (the
    // client sees it; the log and the metrics must say it too). ASCII has no
    // Content-Length, but TYPE A only ever adds bytes on the wire (LF →
    // CRLF), so fewer than SIZE (TYPE I) is a cut.
    if (binary && expected !== null && out.bytes < expected) {
      throw incompleteError(`download ended after ${out.bytes} of ${expected} bytes`);
    }
    const known = stat as FtpStat | null;
    if (!binary && known?.size != null && result.bytes < known.size) {
      throw incompleteError(`ASCII download ended after ${result.bytes} of at least ${known.size} bytes`);
    }
    ok = true;
    res.end();
  } catch (err) {
    // Nothing sent yet: the error handler answers, without our file headers.
    if (!sink?.started && !res.headersSent) for (const h of DOWNLOAD_HEADERS) res.removeHeader(h);
    throw err;
  } finally {
    if (transfer !== undefined) {
      transfer.finish();
      const mode = modeOf(method, choice);
      deps.metrics.transferBytes(handle.name, 'download', mode, choice.type, sink?.bytes ?? 0);
      deps.metrics.transferDuration(handle.name, 'download', mode, choice.type, ok, seconds(started));
    }
  }
}

/**
 * A file from the FTP server is whatever its uploader made it: a browser must
 * not run it as a page of the gateway's origin (where the UI keeps its API
 * key). So it is an attachment (RFC 6266, by express's jshttp
 * content-disposition: an ASCII `filename` and the exact `filename*`), or,
 * with ?inline=true, shown in a CSP sandbox (a unique origin, no scripts).
 * `nosniff` (set on every response, app.ts) keeps the type we send.
 */
function setHeaders(res: Response, resource: Resource, stat: FtpStat, inline: boolean): void {
  if (inline) res.setHeader('Content-Security-Policy', 'sandbox');
  else res.attachment(resource.name);
  // After res.attachment, which sets a type of its own from the extension.
  res.setHeader('Content-Type', mime.contentType(resource.name) || 'application/octet-stream');
  res.setHeader('Accept-Ranges', 'bytes');
  setLastModified(res, stat);
}

/** 304 (RFC 9110 §15.4.5): the validators, no body, no data connection. */
function notModified(res: Response, stat: FtpStat, validators: Validators): void {
  res.status(304);
  if (validators.etag !== null) res.setHeader('ETag', validators.etag);
  setLastModified(res, stat);
  res.end();
}

function setLastModified(res: Response, stat: FtpStat): void {
  if (stat.modifiedAt !== null && !Number.isNaN(stat.modifiedAt.getTime())) {
    res.setHeader('Last-Modified', stat.modifiedAt.toUTCString());
  }
}

export function modeOf(method: FtpDataMethod | undefined, choice: Pick<TransferChoice, 'mode'>): string {
  if (method === 'EPSV' || method === 'PASV') return 'passive';
  if (method === 'EPRT' || method === 'PORT') return 'active';
  return choice.mode;
}

export function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
