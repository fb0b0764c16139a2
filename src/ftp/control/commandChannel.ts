import type { FtpReply } from '../reply/ftpReply.js';
import type { FtpDataMode, FtpTransferType } from '../types.js';

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
  /** The TYPE command a batch must carry to switch to `type`, or null when set already; its reply then goes to typeAnswered. */
  typeCommand(type: FtpTransferType): readonly [string, string] | null;
  /** Records the reply to typeCommand's command: throws FTP_REPLY unless it is a 200. */
  typeAnswered(type: FtpTransferType, reply: FtpReply): void;
  /** The passive command a transfer in `mode` would start with, when it may go out ahead with other commands (see FtpClient). */
  passiveAhead(mode?: FtpDataMode): 'EPSV' | 'PASV' | undefined;
}
