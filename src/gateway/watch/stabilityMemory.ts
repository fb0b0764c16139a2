import type { FtpEntry } from '../../ftp/index.js';

/**
 * The one stability rule of the gateway (contract v1.1): a file is `stable`
 * once its size and modification time have stayed the same for `stableMs`.
 * The event poller's `stable` (folderState.ts) and the claims' choice of a
 * file (src/gateway/claims) both read it from here. Pure: the caller says
 * what time it is.
 *
 * FolderVersions is what this process saw of one folder: per name, the
 * version last listed (type, size, modification time) and `since`, when a
 * listing first showed that version still listed now. A first sighting is
 * stable only for stableMs 0 (a process cannot know how long a file it has
 * never seen has been still); a name missing from a listing is forgotten (a
 * returned claim is observed anew). A running poller holds its folder's
 * FolderVersions, and a claim request on that folder observes into it, so
 * the two never judge one folder twice. StabilityMemory keeps the
 * FolderVersions of folders no poller holds (claims without a watch),
 * bounded.
 */
export type ObservedEntry = Pick<FtpEntry, 'name' | 'type' | 'size' | 'modifiedAt'> & { raw?: string };

interface Version {
  type: FtpEntry['type'];
  size: number | null;
  modifiedAt: number | null;
  since: number;
}

/** False for what no listing names: ".", "..", a line no dialect read, a name with "/". */
export function isObservable(entry: ObservedEntry): boolean {
  const { name } = entry;
  return entry.raw === undefined && name !== '' && name !== '.' && name !== '..' && !name.includes('/');
}

export class FolderVersions {
  #versions = new Map<string, Version>();

  /**
   * Record a complete listing of the folder and return, for each observable
   * name, how long (ms) its current version has been seen: 0 on a first
   * sighting or after a change. A name listed twice counts once (the first).
   */
  observe(listing: readonly ObservedEntry[], now: number): Map<string, number> {
    const after = new Map<string, Version>();
    const ages = new Map<string, number>();
    for (const entry of listing) {
      if (!isObservable(entry) || after.has(entry.name)) continue;
      const modifiedAt = timeOf(entry.modifiedAt);
      const previous = this.#versions.get(entry.name);
      const same =
        previous !== undefined && previous.type === entry.type && previous.size === entry.size && previous.modifiedAt === modifiedAt;
      // min: a clock that steps back never makes an age negative.
      const since = same ? Math.min(previous.since, now) : now;
      after.set(entry.name, { type: entry.type, size: entry.size, modifiedAt, since });
      ages.set(entry.name, now - since);
    }
    this.#versions = after;
    return ages;
  }
}

export interface StabilityMemoryOptions {
  /** A folder not observed for this long is forgotten (default 10 min). */
  forgetAfterMs?: number;
  /** At most this many folders are remembered; the least recently observed go first (default 1000). */
  maxFolders?: number;
}

export class StabilityMemory {
  readonly #folders = new Map<string, { versions: FolderVersions; observedAt: number }>();
  readonly #forgetAfterMs: number;
  readonly #maxFolders: number;

  constructor(options: StabilityMemoryOptions = {}) {
    this.#forgetAfterMs = options.forgetAfterMs ?? 600_000;
    this.#maxFolders = options.maxFolders ?? 1000;
  }

  get folders(): number {
    return this.#folders.size;
  }

  /** FolderVersions.observe on this memory's record of `folder` (made on first use). */
  observe(folder: string, listing: readonly ObservedEntry[], now: number): Map<string, number> {
    this.#prune(now);
    const versions = this.#folders.get(folder)?.versions ?? new FolderVersions();
    // Re-inserted last: Map order is the LRU order #prune reads.
    this.#folders.delete(folder);
    this.#folders.set(folder, { versions, observedAt: now });
    while (this.#folders.size > this.#maxFolders) {
      const oldest = this.#folders.keys().next().value as string;
      this.#folders.delete(oldest);
    }
    return versions.observe(listing, now);
  }

  #prune(now: number): void {
    for (const [key, folder] of this.#folders) {
      if (now - folder.observedAt < this.#forgetAfterMs) break;
      this.#folders.delete(key);
    }
  }
}

function timeOf(date: Date | null): number | null {
  if (date === null) return null;
  const ms = date.getTime();
  return Number.isNaN(ms) ? null : ms;
}
