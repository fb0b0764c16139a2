/**
 * Transfers in flight, for `GET /api/v1/transfers` and graceful shutdown
 * (wait for them, then cut what is left). Each entry keeps the controller
 * that aborts its FTP transfer.
 */
export type TransferDirection = 'upload' | 'download';

export interface TransferInfo {
  id: string;
  server: string;
  path: string;
  direction: TransferDirection;
  bytes: number;
  totalBytes: number | null;
  startedAt: string;
}

export interface TransferHandle {
  readonly id: string;
  progress(bytes: number): void;
  /** The size became known after the start (a download's 150 named it). */
  total(bytes: number): void;
  finish(): void;
}

interface Entry {
  info: TransferInfo;
  abort: (reason: Error) => void;
}

export class TransferRegistry {
  #entries = new Map<string, Entry>();
  #next = 1;
  #idleWaiters = new Set<() => void>();

  start(info: Omit<TransferInfo, 'id' | 'bytes' | 'startedAt'>, abort: (reason: Error) => void): TransferHandle {
    const id = String(this.#next++);
    const entry: Entry = { info: { id, ...info, bytes: 0, startedAt: new Date().toISOString() }, abort };
    this.#entries.set(id, entry);
    let done = false;
    return {
      id,
      progress: (bytes) => {
        entry.info.bytes = bytes;
      },
      total: (bytes) => {
        entry.info.totalBytes = bytes;
      },
      finish: () => {
        if (done) return;
        done = true;
        this.#entries.delete(id);
        if (this.#entries.size === 0) for (const wake of [...this.#idleWaiters]) wake();
      },
    };
  }

  list(): TransferInfo[] {
    return [...this.#entries.values()].map((e) => ({ ...e.info }));
  }

  count(): number {
    return this.#entries.size;
  }

  /** True when every transfer finished within `ms`; false when some still run. */
  waitForIdle(ms: number): Promise<boolean> {
    if (this.#entries.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#idleWaiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#idleWaiters.delete(wake);
        resolve(this.#entries.size === 0);
      }, ms);
      this.#idleWaiters.add(wake);
    });
  }

  /** Cut every transfer still running; returns what was cut (for the log). */
  abortAll(reason: Error): TransferInfo[] {
    const cut = this.list();
    for (const entry of this.#entries.values()) entry.abort(reason);
    return cut;
  }
}
