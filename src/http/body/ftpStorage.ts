import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import type { Readable } from 'node:stream';
import { SerialQueue, type FtpDataMode, type FtpSession, type FtpTransferType } from '../../ftp/index.js';
import { joinRoot } from '../../gateway/ftpPaths.js';
import type { TransferHandle } from '../../gateway/transferRegistry.js';
import { discardUpload, stageUpload, type StagedUpload } from '../../gateway/atomicUpload.js';
import { tooLarge } from './requestBody.js';
import { uploadFailure } from './uploadFailure.js';

/**
 * A multer StorageEngine that streams each file part straight into the FTP
 * server: never memory, never disk. Atomic mode only STAGES each part (a
 * temporary name); the route commits them all once the whole request parsed,
 * so a bad later part or a limit leaves every target as it was. `_removeFile`
 * (multer's cleanup when the request fails) deletes what a part staged.
 *
 * One control connection carries one transfer at a time, and busboy may start
 * the next part while the previous one waits for its 226: the one place where
 * operations on a session legitimately overlap. Parts (and removals) queue
 * here, one after another; a part whose request is aborted while it waits
 * leaves the queue without touching the session.
 */
export interface FtpStorageOptions {
  session: FtpSession;
  /** Absolute FTP path of the target folder. */
  directory: string;
  atomic: boolean;
  mode: FtpDataMode;
  /** The transfer type for a file name (type=auto looks at the extension). */
  typeFor: (fileName: string) => FtpTransferType;
  signal: AbortSignal;
  maxFileBytes: number | null;
  discard: (path: string) => Promise<void>;
  startTransfer: (fileName: string) => TransferHandle;
  onStored?: (info: { bytes: number; method: StagedUpload['method']; type: FtpTransferType }) => void;
}

export interface StoredPart {
  staged: StagedUpload;
  size: number;
}

type File = Express.Multer.File & Partial<StoredPart>;

export class FtpStorage implements StorageEngine {
  #options: FtpStorageOptions;
  readonly #queue = new SerialQueue('multipart storage');
  /** Staged and not yet removed: what close() removes. */
  #staged = new Set<StagedUpload>();
  #closed: unknown = null;

  constructor(options: FtpStorageOptions) {
    this.#options = options;
  }

  /** Resolves once no part is being stored or removed (the session is free). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /**
   * Ends this storage's use of the session without waiting for multer (which
   * drains the rest of the body before it reports a failure, and a body that
   * stopped arriving never ends): waits for the part in progress, removes
   * every staged part, and fails any later part with `reason` before it
   * touches the session.
   */
  async close(reason: unknown): Promise<void> {
    this.#closed ??= reason;
    await this.#queue.idle();
    for (const staged of [...this.#staged]) if (this.#staged.delete(staged)) await discardUpload(staged, this.#options.discard);
  }

  _handleFile(_req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const o = this.#options;
    const stream = file.stream as Readable & { truncated?: boolean };
    if (this.#closed !== null) {
      stream.resume();
      callback(this.#closed);
      return;
    }
    // busboy signals fileSize with 'limit' and then ends the part early:
    // abort the transfer so the truncated part is never committed.
    const local = new AbortController();
    const onLimit = (): void => local.abort(tooLarge(o.maxFileBytes ?? 0));
    stream.once('limit', onLimit);
    const signal = AbortSignal.any([o.signal, local.signal]);
    const failure = (err: unknown): unknown => uploadFailure(signal, err, () => (local.signal.aborted ? local.signal.reason : null)).cause;
    const run = async (): Promise<StoredPart> => {
      // Closed while this part waited its turn.
      if (this.#closed !== null) throw this.#closed;
      const type = o.typeFor(file.originalname);
      const transfer = o.startTransfer(file.originalname);
      try {
        const staged = await stageUpload(
          o.session,
          stream,
          { target: joinRoot(o.directory, [file.originalname]), atomic: o.atomic, append: false, type, mode: o.mode },
          {
            signal,
            discard: o.discard,
            onProgress: (bytes) => transfer.progress(bytes),
            explain: (err) => uploadFailure(signal, err, () => (local.signal.aborted ? local.signal.reason : null)),
          },
        );
        if (stream.truncated) {
          await discardUpload(staged, o.discard);
          throw tooLarge(o.maxFileBytes ?? 0);
        }
        this.#staged.add(staged);
        o.onStored?.({ bytes: staged.bytes, method: staged.method, type });
        return { staged, size: staged.bytes };
      } finally {
        transfer.finish();
        stream.off('limit', onLimit);
      }
    };
    this.#queue.run(`part ${JSON.stringify(file.originalname)}`, run, signal).then(
      (stored) => callback(null, stored as Partial<Express.Multer.File>),
      (err: unknown) => {
        // Let busboy move on: the rest of this part is discarded.
        stream.resume();
        stream.off('limit', onLimit);
        // Aborted while it waited: a body too slow (408) or a limit (413) is the cause.
        callback(failure(err));
      },
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    const staged = (file as File).staged;
    if (!staged || !this.#staged.has(staged)) {
      callback(null);
      return;
    }
    const run = async (): Promise<void> => {
      if (!this.#staged.delete(staged)) return;
      await discardUpload(staged, this.#options.discard);
    };
    this.#queue.run('remove', run).then(
      () => callback(null),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
