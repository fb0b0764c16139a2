import type { Request, RequestHandler, Response } from 'express';
import { requireDirectory } from '../../gateway/ftpOps.js';
import type { WatchEvent, WatchFailure } from '../../gateway/watch/folderPoller.js';
import { compileGlob } from '../../gateway/watch/glob.js';
import type { WatchHub } from '../../gateway/watch/watchHub.js';
import { accountScope } from '../../gateway/serverRegistry.js';
import { EventStream } from '../body/eventStream.js';
import { context } from '../context.js';
import { HttpError } from '../httpError.js';
import { parseEventsQuery } from '../input/schemas.js';
import { resolveResource } from '../input/resource.js';
import { serverAccess, withSession } from '../middleware/serverAccess.js';

export interface EventsOptions {
  hub: WatchHub;
  /** Contract: a comment line every 15 s. */
  keepAliveMs: number;
  /** What one caller may leave unread before it is dropped. */
  maxBufferedBytes: number;
}

/** Contract defaults. */
const DEFAULT_PATTERN = '*';
const DEFAULT_STABLE_MS = 5_000;
/** Browsers send Last-Event-ID on reconnects; a longer value is none of ours. */
const MAX_EVENT_ID = 64;

/**
 * `GET …/events/{path}` (contract v1.1 "Events"): the folder's events as
 * Server-Sent Events, from the process's one poller of that folder. The
 * folder must exist when the stream opens (404 / 409 as for a listing,
 * answered as problem+json); once it is open, failures are `error` events
 * and the poller backs off, the stream stays.
 */
export function watchEvents(options: EventsOptions): RequestHandler {
  return async (req: Request, res: Response) => {
    const dir = resolveResource(req, res, 'events');
    const query = parseEventsQuery(req.query);
    const access = serverAccess(res);
    const { signal } = context(res);
    await withSession(res, (session) => requireDirectory(session, dir.absolute, signal));
    if (signal.aborted) return;
    // Shutdown began while the folder was checked: the streams are being ended, not started.
    if (options.hub.closed) throw new HttpError(503, 'SHUTTING_DOWN', 'the gateway is shutting down', { headers: { 'Retry-After': '5' } });

    if (req.method === 'HEAD') {
      // Express answers HEAD with this GET route: the headers a stream would have, and no stream to hang on.
      res.status(200).type('text/event-stream').setHeader('Cache-Control', 'no-cache, no-transform');
      res.end();
      return;
    }
    context(res).openEnded = true;
    const lastEventId = lastEventIdOf(req);
    const prefix = dir.relative === '' ? '' : `${dir.relative}/`;
    let unsubscribe: (() => void) | undefined;
    const stream = new EventStream(res, {
      keepAliveMs: options.keepAliveMs,
      maxBufferedBytes: options.maxBufferedBytes,
      onEnd: () => unsubscribe?.(),
    });
    unsubscribe = options.hub.subscribe(
      { handle: access.handle, pool: access.pool, scope: accountScope(access.handle.name, access.credentials), segments: dir.segments },
      {
        matches: compileGlob(query.pattern ?? DEFAULT_PATTERN),
        stableMs: query.stableMs ?? DEFAULT_STABLE_MS,
        onEvent: (event: WatchEvent) => {
          const { name, type, size, modifiedAt } = event.entry;
          stream.send({ id: event.id, event: event.kind, data: { path: `${prefix}${name}`, name, type, size, modifiedAt } });
        },
        onFailure: (failure: WatchFailure) => stream.send({ event: 'error', data: failure }),
        // The headers wait for the poller's first listing: once a caller has them, nothing that changes is missed.
        onReady: () => stream.open(),
        onClose: () => stream.end('server'),
      },
      { initial: query.initial === true, ...(lastEventId !== undefined ? { lastEventId } : {}) },
    );
    // The client left while subscribing.
    if (stream.ended) unsubscribe();
  };
}

function lastEventIdOf(req: Request): string | undefined {
  const value = req.headers['last-event-id'];
  if (typeof value !== 'string') return undefined;
  const id = value.trim();
  return id === '' || id.length > MAX_EVENT_ID ? undefined : id;
}
