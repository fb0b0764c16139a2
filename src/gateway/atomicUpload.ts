import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { FtpDataMethod, FtpDataMode, FtpSession, FtpTransferType } from '../ftp/index.js';
import { isReplyError, isDirectory } from './ftpOps.js';
import { GatewayError } from './gatewayError.js';

/**
 * Atomic uploads in two steps, so multipart can stage every part before it
 * commits any:
 *   stage:  STOR to `.<name>.<random>.ftpgw-part` in the target folder, then
 *           SIZE (TYPE I) must equal the bytes sent (binary), else the copy
 *           is incomplete (vsftpd can end a TLS upload early, 426);
 *   commit: RNFR/RNTO onto the target; a server that refuses to rename onto
 *           an existing file gets DELE target + RNFR/RNTO.
 * Any failure removes the temporary file; the target keeps its old content.
 * `atomic=false` writes the target in place, `append` uses APPE.
 */
export interface UploadPlan {
  /** Absolute FTP path of the target. */
  target: string;
  atomic: boolean;
  append: boolean;
  type: FtpTransferType;
  mode: FtpDataMode;
}

export interface StagedUpload {
  target: string;
  /** What STOR wrote: the temporary name, or the target itself. */
  written: string;
  temporary: boolean;
  /** Wire bytes sent. */
  bytes: number;
  method: FtpDataMethod;
  /** The temporary file's size as the server told it, when it was checked against `bytes` (binary): the target's after the rename. */
  verifiedSize: number | null;
}

export interface StageOptions {
  signal: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Removes a file even when this session died with the transfer (a fresh pooled one). */
  discard: (path: string) => Promise<void>;
  /**
   * Turns a failure into its real cause (an abort the caller chose, a limit
   * the body broke: the source knows, the FTP layer only saw the stream end),
   * and says whether the body broke a limit: an in-place write is then undone
   * too (contract: "nothing kept").
   */
  explain?: (err: unknown) => UploadFailure;
}

export interface UploadFailure {
  cause: unknown;
  brokeLimit: boolean;
}

const TEMPORARY_SUFFIX = '.ftpgw-part';

/** A name temporaryName makes: an upload in progress, never a file to hand out (claims skip it whatever the pattern). */
export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMPORARY_SUFFIX);
}

export function temporaryName(target: string): string {
  const dir = posix.dirname(target);
  // Keep well below the usual 255-byte name limit.
  const base = posix.basename(target).slice(0, 80);
  const name = `.${base}.${randomBytes(6).toString('hex')}${TEMPORARY_SUFFIX}`;
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export async function stageUpload(session: FtpSession, source: Readable, plan: UploadPlan, options: StageOptions): Promise<StagedUpload> {
  const temporary = plan.atomic && !plan.append;
  const written = temporary ? temporaryName(plan.target) : plan.target;
  try {
    const result = await session.upload(written, source, {
      mode: plan.mode,
      type: plan.type,
      append: plan.append,
      signal: options.signal,
      ...(options.onProgress ? { onProgress: (p: { bytes: number }) => options.onProgress?.(p.bytes) } : {}),
    });
    options.signal.throwIfAborted();
    let verifiedSize: number | null = null;
    if (temporary && plan.type === 'binary') {
      const stored = await session.size(written, options.signal);
      if (stored !== null && stored !== result.bytes) {
        throw new GatewayError('UPLOAD_INCOMPLETE', `the server stored ${stored} of ${result.bytes} bytes`);
      }
      verifiedSize = stored;
    }
    return { target: plan.target, written, temporary, bytes: result.bytes, method: result.method, verifiedSize };
  } catch (err) {
    const failure = options.explain ? options.explain(err) : { cause: err, brokeLimit: false };
    // A temporary file never outlives a failure. An in-place write is only
    // undone when the body broke a limit (contract: "nothing kept").
    if (temporary || (!plan.append && failure.brokeLimit)) {
      await options.discard(written);
    }
    throw failure.cause;
  }
}

/** Rename the staged file onto its target; returns the target's size on the server. */
export async function commitUpload(
  session: FtpSession,
  staged: StagedUpload,
  options: Pick<StageOptions, 'signal' | 'discard'>,
): Promise<number> {
  const { signal } = options;
  if (staged.temporary) {
    try {
      await renameOnto(session, staged.written, staged.target, signal);
    } catch (err) {
      await options.discard(staged.written);
      throw err;
    }
  }
  // A rename keeps the size the server told for the temporary file: no round trip to ask again.
  if (staged.temporary && staged.verifiedSize !== null) return staged.verifiedSize;
  const size = await session.size(staged.target, signal);
  return size ?? staged.bytes;
}

/** Remove a staged upload (a failed multipart request). */
export async function discardUpload(staged: StagedUpload, discard: (path: string) => Promise<void>): Promise<void> {
  await discard(staged.written);
}

async function renameOnto(session: FtpSession, from: string, to: string, signal: AbortSignal): Promise<void> {
  try {
    await session.rename(from, to, signal);
    return;
  } catch (err) {
    if (!isReplyError(err)) throw err;
    if (await isDirectory(session, to, signal)) {
      throw new GatewayError('IS_A_DIRECTORY', 'the target is a directory');
    }
  }
  // Some servers refuse RNTO onto an existing file ("553 File exists"):
  // remove the old target, then rename. The target is briefly absent.
  try {
    await session.delete(to, signal);
  } catch (err) {
    if (!isReplyError(err)) throw err;
  }
  await session.rename(from, to, signal);
}
