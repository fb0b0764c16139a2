/**
 * What this process has seen of a folder's files, for the claims rule
 * "stable = size and modification time unchanged for stableMs" (contract
 * v1.1 "Claims"): the same rule as the event poller's `stable`
 * (src/gateway/watch/), kept here as a small memory of its own so that
 * claims work without a watch. Pure: the caller says what time it is.
 *
 * A version is (size, modifiedAt); `since` is when a listing first showed
 * the version still listed now. A file is stable once `now - since >=
 * stableMs`, so a first sighting is stable only for stableMs 0: a process
 * cannot know how long a file it has never seen has been still. A name
 * missing from a listing is forgotten (a returned claim is observed anew),
 * and so is a folder not observed for `forgetAfterMs`.
 */
export interface ObservedFile {
  name: string;
  size: number | null;
  modifiedAt: Date | null;
}

interface Seen {
  size: number | null;
  modifiedAt: number | null;
  since: number;
}

interface Folder {
  files: Map<string, Seen>;
  observedAt: number;
}

export interface StabilityMemoryOptions {
  /** A folder not observed for this long is forgotten (default 10 min). */
  forgetAfterMs?: number;
  /** At most this many folders are remembered; the least recently observed go first (default 1000). */
  maxFolders?: number;
}

export class StabilityMemory {
  readonly #folders = new Map<string, Folder>();
  readonly #forgetAfterMs: number;
  readonly #maxFolders: number;

  constructor(options: StabilityMemoryOptions = {}) {
    this.#forgetAfterMs = options.forgetAfterMs ?? 600_000;
    this.#maxFolders = options.maxFolders ?? 1000;
  }

  get folders(): number {
    return this.#folders.size;
  }

  /**
   * Record a complete listing of `folder`'s files and return, for each, how
   * long (ms) its current version has been seen: 0 on a first sighting or
   * after a change.
   */
  observe(folder: string, files: readonly ObservedFile[], now: number): Map<string, number> {
    this.#prune(now);
    const before = this.#folders.get(folder)?.files ?? new Map<string, Seen>();
    const after = new Map<string, Seen>();
    const ages = new Map<string, number>();
    for (const file of files) {
      const modifiedAt = file.modifiedAt?.getTime() ?? null;
      const previous = before.get(file.name);
      const same = previous !== undefined && previous.size === file.size && previous.modifiedAt === modifiedAt;
      const since = same ? Math.min(previous.since, now) : now;
      after.set(file.name, { size: file.size, modifiedAt, since });
      ages.set(file.name, now - since);
    }
    // Re-inserted last: Map order is the LRU order #prune reads.
    this.#folders.delete(folder);
    this.#folders.set(folder, { files: after, observedAt: now });
    while (this.#folders.size > this.#maxFolders) {
      const oldest = this.#folders.keys().next().value as string;
      this.#folders.delete(oldest);
    }
    return ages;
  }

  #prune(now: number): void {
    for (const [key, folder] of this.#folders) {
      if (now - folder.observedAt < this.#forgetAfterMs) break;
      this.#folders.delete(key);
    }
  }
}
