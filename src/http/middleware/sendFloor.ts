import type { Request, RequestHandler, Response } from 'express';
import type net from 'node:net';
import type { Logger } from 'pino';
import type { LimitsConfig } from '../../config/index.js';
import { context } from '../context.js';
import { RateFloor } from '../body/rateFloor.js';
import { resolveResource } from '../input/resource.js';

/**
 * `limits.sendIdleMs` / `sendMinBytesPerSec` for responses that stream what
 * an FTP session produces (downloads, listings): a client that takes fewer
 * than the floor over a window while the gateway has bytes waiting for it
 * is cut (response destroyed, the request's signal aborted, so the FTP
 * transfer is aborted and its session replaced) and logged at warn.
 * Otherwise a client that stops reading holds a pooled session for as long as
 * it likes.
 *
 * It watches the socket, not a stream, so whatever the route writes counts:
 * bytes the kernel accepted (`bytesWritten` less what Node still buffers),
 * and Node buffering anything means the client is the one holding up the
 * response. The kernel relay writes behind Node's back: the route reports
 * its bytes and whether it waits on the client through the request context.
 */
export function sendFloor(
  limits: Pick<LimitsConfig, 'sendIdleMs' | 'sendMinBytesPerSec'>,
  logger: Logger,
  kind: 'files' | 'dirs',
): RequestHandler {
  return (req, res, next) => {
    const socket = req.socket;
    const ctx = context(res);
    const start = accepted(socket);
    const sent = (): number => accepted(socket) - start + (ctx.bodyBytesDirect?.() ?? 0);
    const floor = new RateFloor({
      windowMs: limits.sendIdleMs,
      minBytesPerSec: limits.sendMinBytesPerSec,
      bytes: sent,
      waiting: () => socket.writableLength > 0 || (ctx.bodyPendingDirect?.() ?? false),
      onSlow: ({ windowBytes, windowMs }) => {
        (req.log ?? logger).warn(
          {
            server: req.params.server,
            path: pathOf(req, res, kind),
            bytes: sent(),
            windowBytes,
            windowMs,
            minBytesPerSec: limits.sendMinBytesPerSec,
          },
          'response cut: the client read too slowly',
        );
        ctx.controller.abort(new Error('the client read too slowly'));
        res.destroy();
      },
    });
    const stop = (): void => floor.stop();
    res.once('finish', stop);
    res.once('close', stop);
    next();
  };
}

/** Bytes of this socket the kernel took (headers included; only differences are used). */
function accepted(socket: net.Socket): number {
  return (socket.bytesWritten ?? 0) - socket.writableLength;
}

function pathOf(req: Request, res: Response, kind: 'files' | 'dirs'): string | null {
  try {
    return resolveResource(req, res, kind).relative;
  } catch {
    return null;
  }
}
