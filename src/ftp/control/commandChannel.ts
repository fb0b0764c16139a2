import type { FtpReply } from '../reply/ftpReply.js';
import type { FtpTransferType } from '../types.js';

/**
 * The commands of a session that the modules running inside one of its
 * operations use (stat probing, listings); FtpClient gives them, inside its
 * lock.
 */
export interface CommandChannel {
  features(): ReadonlyMap<string, string>;
  /** One command and its completion reply. */
  command(verb: string, argument?: string, signal?: AbortSignal): Promise<FtpReply>;
  /** Commands without a data connection, in one write where the server takes that (FtpControl.exchange decides). */
  exchange(commands: ReadonlyArray<readonly [string, string?]>, signal?: AbortSignal): Promise<FtpReply[]>;
  /** TYPE, unless already set. */
  setType(type: FtpTransferType, signal?: AbortSignal): Promise<void>;
}
