import type { Request, RequestHandler, Response } from 'express';
import type { FtpDataMode, FtpEntriesConsumer, FtpEntry } from '../../ftp/index.js';
import { isFtpError } from '../../ftp/index.js';
import { context } from '../context.js';
import { ensureDirectory, hasEntries, isDirectory, isReplyError, removeTree } from '../../gateway/ftpOps.js';
import { HttpError } from '../httpError.js';
import type { ListingBudget } from '../../gateway/listingBudget.js';
import { byTypeThenName, listingRow, rowBytes, type ListingRow } from '../body/listingRows.js';
import { serverAccess, withSession } from '../middleware/serverAccess.js';
import { parseQuery } from '../input/schemas.js';
import type { SortedListingGate } from '../../gateway/sortedListingGate.js';
import { directoryEntry, isListable, ListingWriter, type DirectoryEntry } from '../body/listingWriter.js';
import { resolveResource, type Resource } from '../input/resource.js';

export type { DirectoryEntry } from '../body/listingWriter.js';

export interface ListingLimits {
  /** A sorted listing with more entries gets 413. */
  maxListEntries: number;
  /** Shared by every sorted listing of the process. */
  budget: ListingBudget;
  /** One sorted listing of a folder at a time; folders recently found too large. */
  gate: SortedListingGate;
}

interface ListingRun {
  signal: AbortSignal;
  mode: FtpDataMode;
}

/** Entries of a sorted listing written per res.write: a few hundred KB of JSON. */
const WRITE_BATCH = 2_000;

/**
 * GET a directory. `?sort=none` streams the entries in the server's order
 * and keeps none of them; otherwise all are read, sorted (directories first,
 * then by name) and written, within `maxListEntries` and the process-wide
 * budget of sorted listings.
 */
export function listDirectory(limits: ListingLimits): RequestHandler {
  return async (req: Request, res: Response) => {
    const dir = resolveResource(req, res, 'dirs');
    const query = parseQuery(req.query);
    const run = { signal: context(res).signal, mode: query.mode ?? serverAccess(res).handle.config.mode };
    if (query.sort === 'none') await streamedListing(res, dir, run);
    else await sortedListing(res, dir, run, limits);
  };
}

async function streamedListing(res: Response, dir: Resource, run: ListingRun): Promise<void> {
  const writer = new ListingWriter(res, dir.relative);
  // Each batch is written before the FTP side reads on: a slow client pauses the data connection.
  await listing(
    res,
    dir,
    run,
    () => (entries) => writer.write(entries),
    () => writer.started,
  );
  writer.end();
}

async function sortedListing(res: Response, dir: Resource, run: ListingRun, limits: ListingLimits): Promise<void> {
  const { budget, maxListEntries, gate } = limits;
  const { pool } = serverAccess(res);
  // Per pool the root is fixed, so the root-relative path names the folder (the absolute one is known only on a session).
  const folder = dir.relative;
  if (gate.isTooLarge(pool, folder)) throw tooLarge();
  // Held while the FTP side is read, not while the caller reads the answer.
  const leave = await gate.enter(pool, folder, run.signal);
  let rows: ListingRow[] = [];
  let held = 0;
  try {
    try {
      if (gate.isTooLarge(pool, folder)) throw tooLarge();
      await listing(
        res,
        dir,
        run,
        () => {
          // A new attempt (the pool retries on a dead session) starts from nothing.
          budget.release(held);
          held = 0;
          rows = [];
          return (batch) => {
            if (rows.length + batch.length > maxListEntries) throw oversized();
            const more = batch.filter(isListable).map(listingRow);
            let bytes = 0;
            for (const row of more) bytes += rowBytes(row);
            if (!budget.reserve(bytes)) {
              // Alone it would never fit: waiting for others would not help.
              if (held + bytes > budget.limit) throw oversized();
              throw new HttpError(
                503,
                'LISTING_BUDGET_FULL',
                'sorted listings hold all the memory they may use now; retry, or use ?sort=none to stream',
                {
                  headers: { 'Retry-After': '1' },
                },
              );
            }
            held += bytes;
            for (const row of more) rows.push(row);
          };
        },
        () => false,
      );
    } finally {
      leave();
    }
    rows.sort(byTypeThenName);
    const writer = new ListingWriter(res, dir.relative);
    for (let i = 0; i < rows.length; i += WRITE_BATCH) await writer.writeJson(rows.slice(i, i + WRITE_BATCH).map((r) => r.json));
    writer.end();
  } finally {
    budget.release(held);
  }

  function oversized(): HttpError {
    gate.markTooLarge(pool, folder);
    return tooLarge();
  }
}

function tooLarge(): HttpError {
  return new HttpError(
    413,
    'LISTING_TOO_LARGE',
    'the folder has more entries than a sorted listing may hold (limits.maxListEntries); use ?sort=none to stream it',
  );
}

/**
 * The listing on a pooled session; `attempt` gives the consumer of each try.
 * LIST starts with CWD: a 550 before anything was written is "missing" or
 * "not a directory", told apart by a stat.
 */
async function listing(
  res: Response,
  dir: Resource,
  run: ListingRun,
  attempt: () => FtpEntriesConsumer,
  started: () => boolean,
): Promise<void> {
  await withSession(
    res,
    async (session) => {
      try {
        await session.streamList(dir.absolute, attempt(), run);
      } catch (err) {
        if (!started() && isFtpError(err) && err.category === 'not-found' && isReplyError(err)) {
          const stat = await session.stat(dir.absolute, run.signal);
          if (stat !== null && stat.type !== 'directory') throw new HttpError(409, 'NOT_A_DIRECTORY', 'not a directory');
        }
        throw err;
      }
    },
    { retry: true },
  );
}

/** The sorted form of a whole listing: what `GET …/dirs/{path}` answers without `?sort=none`. */
export function sortEntries(entries: readonly FtpEntry[]): DirectoryEntry[] {
  return entries
    .filter(isListable)
    .map((e) => ({ row: listingRow(e), entry: directoryEntry(e) }))
    .sort((a, b) => byTypeThenName(a.row, b.row))
    .map(({ entry }) => entry);
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
        if (await hasEntries(session, dir.absolute, { signal, mode })) {
          throw new HttpError(409, 'DIRECTORY_NOT_EMPTY', 'directory not empty (use ?recursive=true)');
        }
        throw err;
      }
    });
    res.status(204).end();
  };
}
