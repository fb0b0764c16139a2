import type { CommandChannel } from './control/commandChannel.js';
import { replyError } from './errors.js';
import { parseMlstReply, parseMlsxTimestamp } from './listing/parseMlsd.js';
import type { FtpReply } from './reply/ftpReply.js';
import { replyText } from './reply/ftpReplyParser.js';
import type { FtpServerKnowledge, FtpStat } from './types.js';

type Command = readonly [verb: string, argument?: string];

/**
 * What a path is, with the fewest round trips each server allows: MLST
 * when FEAT lists it (RFC 3659 §7, one round trip); else SIZE and MDTM
 * together (one round trip where the server takes pipelined commands),
 * and CWD to tell a directory. ftp-srv answers SIZE for directories too:
 * learned once per server (its profile) by a SIZE of "/", then CWD comes
 * first there. A server without SIZE (OpenVMS) gives files a null size, and
 * CWD the folders.
 */
export class StatProbe {
  readonly #channel: CommandChannel;
  readonly #server: FtpServerKnowledge;

  constructor(channel: CommandChannel, server: FtpServerKnowledge) {
    this.#channel = channel;
    this.#server = server;
  }

  /** RFC 3659 §4: SIZE in TYPE I (in TYPE A servers answer the on-disk size, or refuse). */
  async size(path: string, signal?: AbortSignal): Promise<number | null> {
    await this.#channel.setType('binary', signal);
    return sizeFromReply(await this.#channel.command('SIZE', path, signal));
  }

  async modifiedAt(path: string, signal?: AbortSignal): Promise<Date | null> {
    return mdtmFromReply(await this.#channel.command('MDTM', path, signal));
  }

  async stat(path: string, signal?: AbortSignal): Promise<FtpStat | null> {
    return (await this.statWith(path, [], signal)).stat;
  }

  /**
   * stat(), with `ahead` (commands that do not depend on its answer, e.g.
   * the EPSV of the download that follows) sent in the same write as its
   * MLST or SIZE+MDTM. `aheadReplies` are their replies, or null where they
   * were not sent (the path was found to be a directory first).
   */
  async statWith(
    path: string,
    ahead: readonly Command[],
    signal?: AbortSignal,
  ): Promise<{ stat: FtpStat | null; aheadReplies: FtpReply[] | null }> {
    const channel = this.#channel;
    let aheadReplies: FtpReply[] | null = null;
    const found = (stat: FtpStat | null) => ({ stat, aheadReplies });
    if (channel.features().has('MLST')) {
      const replies = await channel.exchange([['MLST', path], ...ahead], signal);
      const reply = replies[0] as FtpReply;
      aheadReplies = replies.slice(1);
      if (reply.code === 250) {
        const entry = parseMlstReply(reply.message);
        if (entry) return found({ type: entry.type, size: entry.size, modifiedAt: entry.modifiedAt });
      } else if (reply.code === 550 || reply.code === 450) {
        return found(null);
      } else if (reply.code < 500 || reply.code > 502) {
        throw replyError('MLST', reply.code, reply.message);
      }
    }
    const directory = { type: 'directory', size: null, modifiedAt: null } as const;
    if ((await this.#sizeAnswersDirectories(signal)) && (await this.#isDirectory(path, signal))) return found(directory);
    // MDTM goes out with SIZE (in TYPE I, RFC 3659 §4) and is only wasted when the path is no file.
    const type = channel.typeCommand('binary');
    const batch: Command[] = [...(type ? [type] : []), ['SIZE', path], ['MDTM', path], ...(aheadReplies === null ? ahead : [])];
    const replies = await channel.exchange(batch, signal);
    if (type) channel.typeAnswered('binary', replies.shift() as FtpReply);
    const [sizeReply, mdtmReply] = replies as [FtpReply, FtpReply];
    aheadReplies ??= replies.slice(2);
    let size: number | null;
    try {
      size = sizeFromReply(sizeReply);
    } catch {
      return found((await this.#isDirectory(path, signal)) ? directory : null);
    }
    // No SIZE at all: a folder looks like a file of unknown size; only CWD tells.
    if (sizeReply.code !== 213 && (await this.#isDirectory(path, signal))) return found(directory);
    let modifiedAt: Date | null;
    try {
      modifiedAt = mdtmFromReply(mdtmReply);
    } catch {
      modifiedAt = null;
    }
    return found({ type: 'file', size, modifiedAt });
  }

  /** CWD as a probe: true for a directory, false when the path is no directory (550/450). */
  async #isDirectory(path: string, signal?: AbortSignal): Promise<boolean> {
    const cwd = await this.#channel.command('CWD', path, signal);
    if (cwd.code === 250 || cwd.code === 200) return true;
    if (cwd.code === 550 || cwd.code === 450) return false;
    throw replyError('CWD', cwd.code, cwd.message);
  }

  /** Asked once per server: SIZE of "/" (always a directory) succeeds only on servers that size directories. */
  async #sizeAnswersDirectories(signal?: AbortSignal): Promise<boolean> {
    const known = this.#server.facts.sizeOnDirectories;
    if (known !== null) return known;
    await this.#channel.setType('binary', signal);
    const reply = await this.#channel.command('SIZE', '/', signal);
    this.#server.learn('sizeOnDirectories', reply.code === 213);
    return reply.code === 213;
  }
}

/** SIZE's 213 as a number; 550/450 (no such file) throws FTP_REPLY; anything else: SIZE not supported. */
function sizeFromReply(reply: FtpReply): number | null {
  if (reply.code === 213) {
    const n = Number(replyText(reply).trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  }
  if (reply.code === 550 || reply.code === 450) throw replyError('SIZE', reply.code, reply.message);
  return null;
}

function mdtmFromReply(reply: FtpReply): Date | null {
  if (reply.code === 213) return parseMlsxTimestamp(replyText(reply));
  if (reply.code === 550 || reply.code === 450) throw replyError('MDTM', reply.code, reply.message);
  return null;
}
