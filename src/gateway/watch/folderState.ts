import type { FtpEntry, FtpEntryType } from '../../ftp/index.js';
import { FolderVersions, isObservable } from './stabilityMemory.js';

/**
 * What a watched folder held at the last poll, and the events a new listing
 * makes of it (contract v1.1 "Events"). Pure: the caller says what time it
 * is, so the stability rule is tested with a fake clock.
 *
 * An entry is a version of a name: its type, size and modification time.
 * `stable` is due for a file once the same version has been seen for
 * `stableMs`, by the rule of stabilityMemory.ts: the FolderVersions given
 * is the folder's record, which claims on the same folder observe into too,
 * so a version a claim request listed first counts from then. It is sent
 * once per version and per `stableMs`: subscribers that asked for different
 * stability windows each get their own.
 */
export type FolderChangeKind = 'created' | 'changed' | 'stable' | 'deleted';

export interface WatchedEntry {
  name: string;
  type: FtpEntryType;
  size: number | null;
  /** ISO 8601, or null when the listing gives no time. */
  modifiedAt: string | null;
}

export interface FolderChange {
  kind: FolderChangeKind;
  entry: WatchedEntry;
  /** On `stable`: the window it was judged with. */
  stableMs?: number;
}

interface Tracked {
  entry: WatchedEntry;
  /** When this process first saw this version (FolderVersions), as of the last poll. */
  since: number;
  /** The windows `stable` was already sent for, for this version. */
  stableFor: Set<number>;
}

export class FolderState {
  /** The folder's record for the stability rule; its own unless a shared one is given. */
  readonly versions: FolderVersions;
  #entries = new Map<string, Tracked>();
  #baseline = false;

  constructor(versions: FolderVersions = new FolderVersions()) {
    this.versions = versions;
  }

  /** True once a listing was read: events are differences from it. */
  get hasBaseline(): boolean {
    return this.#baseline;
  }

  get size(): number {
    return this.#entries.size;
  }

  entries(): WatchedEntry[] {
    return [...this.#entries.values()].map((t) => t.entry);
  }

  /**
   * The created, changed and deleted events from the previous listing to
   * this one. The first listing is the baseline and makes none.
   */
  update(listing: readonly FtpEntry[], now: number): FolderChange[] {
    const ages = this.versions.observe(listing, now);
    const changes: FolderChange[] = [];
    const seen = new Set<string>();
    for (const raw of listing) {
      if (!isObservable(raw) || seen.has(raw.name)) continue;
      const entry = watchedEntry(raw);
      seen.add(entry.name);
      const since = now - (ages.get(entry.name) ?? 0);
      const before = this.#entries.get(entry.name);
      if (before === undefined) {
        this.#entries.set(entry.name, { entry, since, stableFor: new Set() });
        if (this.#baseline) changes.push({ kind: 'created', entry });
      } else if (!sameVersion(before.entry, entry)) {
        this.#entries.set(entry.name, { entry, since, stableFor: new Set() });
        changes.push({ kind: 'changed', entry });
      } else before.since = since;
    }
    for (const [name, tracked] of this.#entries) {
      if (seen.has(name)) continue;
      this.#entries.delete(name);
      changes.push({ kind: 'deleted', entry: tracked.entry });
    }
    this.#baseline = true;
    return changes;
  }

  /** The `stable` events due at `now` for each window, each sent once per version. */
  due(now: number, windows: Iterable<number>): FolderChange[] {
    const changes: FolderChange[] = [];
    const list = [...windows].sort((a, b) => a - b);
    if (list.length === 0) return changes;
    for (const tracked of this.#entries.values()) {
      if (tracked.entry.type !== 'file') continue;
      for (const stableMs of list) {
        if (now - tracked.since < stableMs || tracked.stableFor.has(stableMs)) continue;
        tracked.stableFor.add(stableMs);
        changes.push({ kind: 'stable', entry: tracked.entry, stableMs });
      }
    }
    return changes;
  }
}

/** An observable listing entry (isObservable) as events carry it. */
function watchedEntry(entry: FtpEntry): WatchedEntry {
  return {
    name: entry.name,
    type: entry.type,
    size: entry.size,
    modifiedAt: entry.modifiedAt === null || Number.isNaN(entry.modifiedAt.getTime()) ? null : entry.modifiedAt.toISOString(),
  };
}

function sameVersion(a: WatchedEntry, b: WatchedEntry): boolean {
  return a.type === b.type && a.size === b.size && a.modifiedAt === b.modifiedAt;
}
