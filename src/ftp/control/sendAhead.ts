import type { Writable } from 'node:stream';
import { replyError } from '../errors.js';
import { methodsFor, type DataContext } from '../data/dataConnection.js';
import { planDownload, type DownloadPlan } from '../data/download.js';
import type { AnsweredDataCommand } from '../data/transfer.js';
import type { FtpReply } from '../reply/ftpReply.js';
import type { StatProbe } from '../stat.js';
import type {
  FtpDataMode,
  FtpDownloadOptions,
  FtpDownloadRequest,
  FtpServerKnowledge,
  FtpStat,
  FtpStatAndDownloadOptions,
  FtpTransferResult,
  FtpTransferType,
} from '../types.js';
import type { CommandChannel } from './commandChannel.js';

/**
 * Commands that do not wait for each other's answer, in one write where the
 * server takes that (CommandChannel.exchange decides: one at a time
 * otherwise). Across a link of 10–50 ms per round trip, each write saved is
 * that much of every request.
 */

/**
 * TYPE when it must change and the transfer's EPSV/PASV together (a session
 * that served a listing is in TYPE A: a binary transfer after it would
 * otherwise wait a round trip for TYPE I). Undefined when nothing went
 * ahead: the transfer then sends its own data command.
 */
export async function typeAndPassive(
  channel: CommandChannel,
  type: FtpTransferType,
  mode: FtpDataMode | undefined,
  signal?: AbortSignal,
): Promise<AnsweredDataCommand | undefined> {
  const ahead = channel.passiveAhead(mode);
  const switching = channel.typeCommand(type);
  if (ahead === undefined || switching === null) {
    await channel.setType(type, signal);
    return undefined;
  }
  const [typeReply, reply] = (await channel.exchange([switching, [ahead]], signal)) as [FtpReply, FtpReply];
  channel.typeAnswered(type, typeReply);
  return { method: ahead, reply };
}

/** RNFR and RNTO together: an RNTO after a refused RNFR is refused too (503), and both replies are read. */
export async function renameTogether(channel: CommandChannel, from: string, to: string, signal?: AbortSignal): Promise<void> {
  const [rnfr, rnto] = (await channel.exchange(
    [
      ['RNFR', from],
      ['RNTO', to],
    ],
    signal,
  )) as [FtpReply, FtpReply];
  if (rnfr.code !== 350) throw replyError('RNFR', rnfr.code, rnfr.message);
  if (rnto.code !== 250 && rnto.code !== 200) throw replyError('RNTO', rnto.code, rnto.message);
}

export function typeCommand(type: FtpTransferType): readonly [string, string] {
  return ['TYPE', type === 'ascii' ? 'A' : 'I'];
}

/**
 * The passive command the next transfer in `mode` starts with, when it may
 * go out ahead with other commands: only to a server known to take
 * pipelined commands (sent one at a time it would cost a round trip of its
 * own whenever no transfer follows).
 */
export function passiveAhead(server: FtpServerKnowledge, data: DataContext, mode: FtpDataMode = 'auto'): 'EPSV' | 'PASV' | undefined {
  if (server.pipelining !== true) return undefined;
  const first = methodsFor(mode, data)[0];
  return first === 'EPSV' || first === 'PASV' ? first : undefined;
}

/**
 * FtpSession.statAndDownload inside its operation: the stat with the
 * download's EPSV/PASV ahead (binary, a transfer likely), `decide`, then the
 * download on the data command already answered.
 */
export async function statThenDownload(
  probe: StatProbe,
  channel: CommandChannel,
  run: (
    plan: DownloadPlan,
    destination: Writable,
    options: FtpDownloadOptions,
    answered?: AnsweredDataCommand,
  ) => Promise<FtpTransferResult>,
  path: string,
  decide: (stat: FtpStat | null) => FtpDownloadRequest | null,
  options: FtpStatAndDownloadOptions,
): Promise<FtpTransferResult | null> {
  const ahead = options.transfer !== false && (options.type ?? 'binary') === 'binary' ? channel.passiveAhead(options.mode) : undefined;
  const { stat, aheadReplies } = await probe.statWith(path, ahead ? [[ahead]] : [], options.signal);
  const request = decide(stat);
  if (request === null) return null;
  const plan = planDownload(path, request.options);
  const reply = aheadReplies?.[0];
  if (ahead && reply) {
    // TYPE may follow EPSV: the type matters from RETR on.
    await channel.setType(plan.type, request.options.signal);
    return run(plan, request.destination, request.options, { method: ahead, reply });
  }
  const answered = await typeAndPassive(channel, plan.type, request.options.mode, request.options.signal);
  return run(plan, request.destination, request.options, answered);
}
