import { abortedError } from './errors.js';

interface Task {
  readonly label: string;
  /** Where the task was asked for: its stack names the caller in an overlap error. */
  readonly origin: Error;
}

/**
 * Runs tasks one at a time, in the order they were asked for. `run` waits its
 * turn, and a caller whose signal fires while it waits leaves the queue at
 * once (FTP_ABORTED) without holding up those behind it. `runAlone` is for
 * callers that never expect to wait: a task asked for while another runs or
 * waits is a bug in the caller, and fails at once naming both (as basic-ftp's
 * FtpContext does), before it has done anything.
 */
export class SerialQueue {
  readonly name: string;
  /** Settles when the last task asked for is over (never rejects). */
  #tail: Promise<void> = Promise.resolve();
  /** Running first, then waiting, in order. */
  readonly #tasks: Task[] = [];

  constructor(name: string) {
    this.name = name;
  }

  /** True while a task runs or waits. */
  get busy(): boolean {
    return this.#tasks.length > 0;
  }

  run<T>(label: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortedError(signal.reason));
    const task: Task = { label, origin: new Error(`${this.name}: ${label} was asked for here`) };
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    this.#tasks.push(task);
    // Those behind wait for those ahead, whether this task ran or left.
    const over = (): void => {
      this.#tasks.splice(this.#tasks.indexOf(task), 1);
      release();
    };
    return new Promise<T>((resolve, reject) => {
      let left = false;
      const onAbort = (): void => {
        left = true;
        reject(abortedError(signal?.reason));
        void previous.then(over);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void previous.then(() => {
        if (left) return;
        signal?.removeEventListener('abort', onAbort);
        let result: Promise<T>;
        try {
          result = fn();
        } catch (err) {
          result = Promise.reject(err);
        }
        // Over before the caller resumes: its next task must not find this one still running.
        result.then(
          (value) => {
            over();
            resolve(value);
          },
          (err: unknown) => {
            over();
            reject(err);
          },
        );
      });
    });
  }

  /** Runs `fn` now, or fails when another task runs or waits (see the class comment). */
  runAlone<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const first = this.#tasks[0];
    if (first) return Promise.reject(overlapError(this.name, label, first));
    return this.run(label, fn);
  }

  /** Resolves once no task runs or waits. */
  async idle(): Promise<void> {
    while (this.#tasks.length > 0) await this.#tail;
  }
}

/** A programming error, not an FtpError: nothing was sent, and the running task goes on. */
function overlapError(name: string, label: string, running: Task): Error {
  const err = new Error(
    `${name}: ${label} was asked for while ${running.label} runs; a session serves one operation at a time (is an await missing?)`,
    { cause: running.origin },
  );
  err.name = 'SessionOverlapError';
  return err;
}
