import { randomBytes } from 'node:crypto';
import type { FtpEntry } from '../../ftp/index.js';
import { FolderState, type FolderChangeKind, type WatchedEntry } from './folderState.js';
import type { NameMatcher } from './glob.js';
import type { FolderVersions } from './stabilityMemory.js';

/**
 * One poller per watched folder (contract v1.1 "Events"): it lists the
 * folder every `pollMs` while it has subscribers, turns each listing into
 * events (FolderState) and hands them to every subscriber whose pattern and
 * stability window they fit. It is started by its first subscriber and
 * stopped by its last; the registry keeps it (state and recent events, no
 * timer, no session) for a while after, so that a caller that reconnects
 * resumes where it was.
 *
 * No HTTP here: `list` is given (one pooled session per poll, released
 * before the next), and subscribers are callbacks.
 */
export type WatchEventKind = FolderChangeKind | 'existing';

export interface WatchEvent {
  /** `<poller epoch>-<sequence>`: what a caller sends back as Last-Event-ID. */
  id: string;
  kind: WatchEventKind;
  entry: WatchedEntry;
  /** On `stable`: the window it was judged with. */
  stableMs?: number;
}

/** A failed poll as subscribers see it: a fixed code, never server text. */
export interface WatchFailure {
  code: string;
  /** When the next poll is due. */
  retryInMs: number;
}

export interface WatchSubscriber {
  matches: NameMatcher;
  stableMs: number;
  onEvent(event: WatchEvent): void;
  onFailure(failure: WatchFailure): void;
  /**
   * Once the poller has a listing to tell changes from (at once when it
   * has one; else after its first poll, or its first failure): from here on
   * nothing that changes in the folder is missed.
   */
  onReady?(): void;
  /** The poller closed for good (the gateway is shutting down). */
  onClose?(): void;
}

export interface SubscribeOptions {
  /** First an `existing` event per entry. */
  initial: boolean;
  /** Resume after this event when this poller still holds what came after it; otherwise `initial` semantics. */
  lastEventId?: string;
}

export interface FolderPollerOptions {
  /** One listing of the folder; `signal` fires when the poller stops. */
  list(signal: AbortSignal): Promise<readonly FtpEntry[]>;
  pollMs: number;
  /** The code a failure is reported with (the caller knows the error types). */
  classify(error: unknown): string;
  /** Backoff after failures doubles up to this (default: 30 s, or pollMs when longer). */
  maxBackoffMs?: number;
  /** Events kept for Last-Event-ID (default 1000). */
  historySize?: number;
  /** After each poll, for the metrics. */
  onPoll?(outcome: { ok: boolean; events: readonly WatchEvent[] }): void;
  /** The last subscriber left: the poller stopped. */
  onIdle?(): void;
}

const DEFAULT_HISTORY = 1000;
const DEFAULT_MAX_BACKOFF_MS = 30_000;

export class FolderPoller {
  /** Tells this poller's event ids from those of another process or an earlier poller of the same folder. */
  readonly epoch = randomBytes(6).toString('hex');
  readonly #options: FolderPollerOptions;
  readonly #state: FolderState;
  readonly #subscribers = new Set<WatchSubscriber>();
  /** Waiting for the first listing before their `existing` events. */
  readonly #pendingInitial = new Set<WatchSubscriber>();
  /** Waiting for the first listing (or failure) before they are told they are watching. */
  readonly #pendingReady = new Set<WatchSubscriber>();
  readonly #history: Array<{ seq: number; event: WatchEvent }> = [];
  #seq = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: AbortController | undefined;
  #closed = false;

  constructor(options: FolderPollerOptions) {
    this.#options = options;
    this.#state = new FolderState();
  }

  /** The folder's record for the stability rule: claims on this folder observe into it while the poller runs. */
  get versions(): FolderVersions {
    return this.#state.versions;
  }

  /** Entries held from the last listing. */
  get entries(): number {
    return this.#state.size;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Polling now (it has subscribers). */
  get running(): boolean {
    return this.#timer !== undefined || this.#inFlight !== undefined;
  }

  /** Returns the unsubscribe function; the first subscriber starts the poller, the last one's unsubscribe stops it. */
  subscribe(subscriber: WatchSubscriber, options: SubscribeOptions): () => void {
    if (this.#closed) throw new Error('poller closed');
    this.#subscribers.add(subscriber);
    if (this.#state.hasBaseline) subscriber.onReady?.();
    else this.#pendingReady.add(subscriber);
    const resumed = options.lastEventId !== undefined && this.#replay(subscriber, options.lastEventId);
    if (!resumed && (options.initial || options.lastEventId !== undefined)) {
      if (this.#state.hasBaseline) this.#sendExisting(subscriber);
      else this.#pendingInitial.add(subscriber);
    }
    if (!this.running) this.#schedule(0);
    return () => this.#unsubscribe(subscriber);
  }

  /** For good: no more polls; each subscriber is told. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    this.#pendingInitial.clear();
    this.#pendingReady.clear();
    this.#stop();
    for (const subscriber of subscribers) subscriber.onClose?.();
  }

  #unsubscribe(subscriber: WatchSubscriber): void {
    if (!this.#subscribers.delete(subscriber)) return;
    this.#pendingInitial.delete(subscriber);
    this.#pendingReady.delete(subscriber);
    if (this.#subscribers.size > 0) return;
    this.#stop();
    this.#options.onIdle?.();
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight?.abort(new Error('watch stopped'));
    this.#inFlight = undefined;
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll();
    }, ms);
  }

  async #poll(): Promise<void> {
    const controller = new AbortController();
    this.#inFlight = controller;
    let listing: readonly FtpEntry[];
    try {
      listing = await this.#options.list(controller.signal);
    } catch (error) {
      if (controller.signal.aborted || this.#inFlight !== controller) return;
      this.#inFlight = undefined;
      this.#failures++;
      const retryInMs = this.#backoff();
      const failure = { code: this.#options.classify(error), retryInMs };
      this.#flushReady();
      for (const subscriber of [...this.#subscribers]) subscriber.onFailure(failure);
      this.#options.onPoll?.({ ok: false, events: [] });
      this.#next(retryInMs);
      return;
    }
    if (controller.signal.aborted || this.#inFlight !== controller) return;
    this.#inFlight = undefined;
    this.#failures = 0;
    const events = this.#apply(listing, Date.now());
    this.#options.onPoll?.({ ok: true, events });
    this.#next(this.#options.pollMs);
  }

  /** The next poll, unless the last subscriber left while this one's events went out (a dropped slow caller). */
  #next(ms: number): void {
    if (!this.#closed && this.#subscribers.size > 0) this.#schedule(ms);
  }

  #apply(listing: readonly FtpEntry[], now: number): WatchEvent[] {
    const windows = new Set<number>();
    for (const subscriber of this.#subscribers) windows.add(subscriber.stableMs);
    const changes = [...this.#state.update(listing, now), ...this.#state.due(now, windows)];
    const events: WatchEvent[] = [];
    for (const change of changes) {
      const seq = ++this.#seq;
      const event: WatchEvent = {
        id: `${this.epoch}-${seq}`,
        kind: change.kind,
        entry: change.entry,
        ...(change.stableMs !== undefined ? { stableMs: change.stableMs } : {}),
      };
      this.#history.push({ seq, event });
      events.push(event);
    }
    const excess = this.#history.length - (this.#options.historySize ?? DEFAULT_HISTORY);
    if (excess > 0) this.#history.splice(0, excess);
    this.#flushReady();
    // The first listing is the baseline: whoever waited for it gets it as `existing`.
    for (const subscriber of this.#pendingInitial) this.#sendExisting(subscriber);
    this.#pendingInitial.clear();
    for (const event of events) {
      // A subscriber may leave (or be dropped) while the loop runs.
      for (const subscriber of [...this.#subscribers])
        if (this.#subscribers.has(subscriber) && fits(subscriber, event)) subscriber.onEvent(event);
    }
    return events;
  }

  #flushReady(): void {
    const ready = [...this.#pendingReady];
    this.#pendingReady.clear();
    for (const subscriber of ready) subscriber.onReady?.();
  }

  /** true when every event after `lastEventId` is still here (then they are sent); false: unknown here. */
  #replay(subscriber: WatchSubscriber, lastEventId: string): boolean {
    const match = /^([0-9a-f]{12})-(\d{1,15})$/.exec(lastEventId);
    if (match === null || match[1] !== this.epoch) return false;
    const last = Number(match[2]);
    if (last > this.#seq) return false;
    const oldest = this.#history[0]?.seq ?? this.#seq + 1;
    if (last + 1 < oldest) return false;
    for (const { seq, event } of this.#history) if (seq > last && fits(subscriber, event)) subscriber.onEvent(event);
    return true;
  }

  #sendExisting(subscriber: WatchSubscriber): void {
    // The id of the last event the listing reflects: resuming from it misses nothing and repeats nothing.
    const id = `${this.epoch}-${this.#seq}`;
    for (const entry of this.#state.entries()) if (subscriber.matches(entry.name)) subscriber.onEvent({ id, kind: 'existing', entry });
  }

  #backoff(): number {
    const { pollMs } = this.#options;
    const max = Math.max(pollMs, this.#options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
    return Math.min(max, pollMs * 2 ** Math.min(this.#failures, 16));
  }
}

function fits(subscriber: WatchSubscriber, event: WatchEvent): boolean {
  if (!subscriber.matches(event.entry.name)) return false;
  return event.kind !== 'stable' || event.stableMs === subscriber.stableMs;
}
