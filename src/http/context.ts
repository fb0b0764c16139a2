import type { Request, RequestHandler, Response } from 'express';

/**
 * Per-request state kept in `res.locals`: the AbortSignal that fires when the
 * client goes away (handed to every FTP call so a disconnect aborts the
 * transfer), and what the error handler needs to
 * know (pass-through server).
 */
export interface RequestContext {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  readonly startedAt: bigint;
  passThrough: boolean;
  /**
   * Set by a route whose response body can be complete before the FTP side
   * is (a download waiting for its 226): true once the client may have every
   * byte, so that its hang-up then is not a disconnect that aborts the work.
   */
  bodyComplete?: () => boolean;
  /**
   * Settles when the route's work on the body is over (a download's 226, or
   * its failure). A request whose client left before that is logged then, so
   * that the line has the final byte count and outcome.
   */
  bodySettled?: Promise<unknown>;
  /** An event stream: it ends when its caller hangs up, which is then its normal end (not logged as aborted). */
  openEnded?: boolean;
  /** Body bytes written into the socket without res.write (the kernel relay), for the request log. */
  bodyBytesDirect?: () => number;
  /** True while the kernel relay holds bytes the client has not taken yet (the send floor's judge; Node's own buffers it sees itself). */
  bodyPendingDirect?: () => boolean;
}

const KEY = 'ftpGatewayContext';

export function getContext(res: Response): RequestContext | undefined {
  return res.locals[KEY] as RequestContext | undefined;
}

export function context(res: Response): RequestContext {
  const ctx = getContext(res);
  if (!ctx) throw new Error('request context middleware not installed');
  return ctx;
}

export function requestContext(): RequestHandler {
  return (_req: Request, res: Response, next) => {
    const controller = new AbortController();
    const ctx: RequestContext = {
      controller,
      signal: controller.signal,
      startedAt: process.hrtime.bigint(),
      passThrough: false,
    };
    res.locals[KEY] = ctx;
    // 'close' before 'finish' means the connection ended under us: the client
    // disconnected (or we destroyed the socket). Abort whatever FTP work runs.
    res.once('close', () => {
      if (!res.writableFinished && !ctx.bodyComplete?.()) controller.abort(new Error('client disconnected'));
    });
    next();
  };
}
