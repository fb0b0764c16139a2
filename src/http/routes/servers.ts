import type { RequestHandler } from 'express';
import { diagnose } from '../../gateway/diagnosis.js';
import type { ServerHandle, ServerRegistry } from '../../gateway/serverRegistry.js';
import { context } from '../context.js';
import { HttpError } from '../httpError.js';
import { parseBasicAuth } from '../middleware/auth.js';
import { callerCredentials } from '../middleware/serverAccess.js';
import type { TransferCap } from '../middleware/transferCap.js';

function handleOf(registry: ServerRegistry, name: unknown): ServerHandle {
  const handle = typeof name === 'string' ? registry.get(name) : undefined;
  if (!handle) throw new HttpError(404, 'UNKNOWN_SERVER', 'no such server');
  return handle;
}

/**
 * `GET /api/v1/servers/{server}`: the server's entry and what sessions
 * learned of it. On a pass-through server, Basic credentials are optional:
 * with them the caller also sees the login directory of their own pool,
 * never another caller's; nothing here connects to the server.
 */
export function describeServer(registry: ServerRegistry): RequestHandler {
  return (req, res) => {
    const handle = handleOf(registry, req.params.server);
    const credentials = handle.passThrough ? parseBasicAuth(req.headers.authorization) : null;
    res.set('Cache-Control', 'no-store').json(registry.describe(handle.name, credentials));
  };
}

/**
 * `POST /api/v1/servers/{server}/diagnose` (write scope: the API key check
 * before it). A diagnosis only reads (it lists the root), so a read-only
 * server may be diagnosed too. It holds FTP sessions of its own while it
 * runs, so it counts against `limits.maxTransfersPerKey` like any operation
 * (429 over it). The caller's disconnect stops it.
 */
export function diagnoseServer(registry: ServerRegistry, cap: TransferCap): RequestHandler {
  return async (req, res) => {
    const handle = handleOf(registry, req.params.server);
    const credentials = callerCredentials(req, res, handle);
    const release = cap.admit(req, handle.name);
    try {
      const report = await diagnose(handle, credentials, context(res).signal);
      res.set('Cache-Control', 'no-store').json(report);
    } finally {
      release();
    }
  };
}
