import express, { type Router } from 'express';
import { ListingBudget } from '../../gateway/listingBudget.js';
import { sendFloor } from '../middleware/sendFloor.js';
import { resolveServer } from '../middleware/serverAccess.js';
import { TransferCap } from '../middleware/transferCap.js';
import { SortedListingGate } from '../../gateway/sortedListingGate.js';
import type { RouteDeps } from '../routeDeps.js';
import { createDirectory, listDirectory, removeDirectory } from './dirs.js';
import { watchEvents } from './events.js';
import { downloadFile } from './files/downloadFile.js';
import { deleteFile } from './files/deleteFile.js';
import { moveEntry } from './move.js';
import { ackClaimRoute, extendClaimRoute, releaseClaimRoute, takeClaimRoute } from './claims.js';
import { postFiles } from './files/postFiles.js';
import { putFile } from './files/putFile.js';
import { describeServer, diagnoseServer } from './servers.js';

/** Contract v1.1 "Events": a comment line this often keeps proxies from closing an idle stream. */
const EVENTS_KEEP_ALIVE_MS = 15_000;
/** What one event-stream caller may leave unread (thousands of events) before it is dropped. */
const EVENTS_MAX_BUFFERED_BYTES = 1024 * 1024;

/** How long a folder found too large for a sorted listing is answered 413 without asking again. */
const OVERSIZED_FOLDER_MS = 30_000;

/**
 * The /api/v1 routes of the contract. `{/*path}` only makes express match;
 * the handlers read the path from the raw request target (paths.ts).
 */
export function createApiRouter(deps: RouteDeps): Router {
  const router = express.Router();
  const cap = new TransferCap(deps.config.limits.maxTransfersPerKey, deps.config.auth);
  const server = resolveServer(deps.registry, deps.config.limits, cap);
  const limits = deps.config.limits;

  router.get('/servers', (_req, res) => {
    res.json(deps.registry.list());
  });
  router.get('/servers/:server', describeServer(deps.registry));
  router.post('/servers/:server/diagnose', diagnoseServer(deps.registry, cap));
  router.get('/transfers', (_req, res) => {
    res.json(deps.transfers.list());
  });

  const files = '/servers/:server/files{/*path}';
  router.get(files, server, sendFloor(limits, deps.logger, 'files'), downloadFile(deps)); // express answers HEAD with the GET route
  router.put(files, server, putFile(deps));
  router.post(files, server, postFiles(deps));
  router.delete(files, server, deleteFile());

  const dirs = '/servers/:server/dirs{/*path}';
  const { maxListEntries, listingMemoryBytes } = limits;
  const gate = new SortedListingGate(OVERSIZED_FOLDER_MS);
  router.get(
    dirs,
    server,
    sendFloor(limits, deps.logger, 'dirs'),
    listDirectory({ maxListEntries, budget: new ListingBudget(listingMemoryBytes), gate }),
  );
  router.post(dirs, server, createDirectory());
  router.delete(dirs, server, removeDirectory());

  router.get(
    '/servers/:server/events{/*path}',
    server,
    watchEvents({ hub: deps.watchHub, keepAliveMs: EVENTS_KEEP_ALIVE_MS, maxBufferedBytes: EVENTS_MAX_BUFFERED_BYTES }),
  );

  const json = express.json({ limit: '64kb', strict: true });
  router.post('/servers/:server/move', server, json, moveEntry());

  router.post('/servers/:server/claims', server, json, takeClaimRoute(deps.claims));
  router.post('/servers/:server/claims/:id/ack', server, json, ackClaimRoute(deps.claims));
  router.post('/servers/:server/claims/:id/release', server, json, releaseClaimRoute(deps.claims));
  router.post('/servers/:server/claims/:id/extend', server, json, extendClaimRoute(deps.claims));
  return router;
}
