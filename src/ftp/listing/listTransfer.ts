import iconv from 'iconv-lite';
import { ftpChannels, publish, type FtpServerEvent } from '../diagnostics.js';
import type { CommandChannel } from '../control/commandChannel.js';
import { parseError, replyError } from '../errors.js';
import { receive } from '../data/receive.js';
import type { TransferSession } from '../data/settle.js';
import type { AnsweredDataCommand } from '../data/transfer.js';
import type { FtpReply } from '../reply/ftpReply.js';
import type { FtpEntriesConsumer, FtpEntry, FtpListOptions, FtpServerKnowledge } from '../types.js';
import { createListingParser } from './parseListing.js';

/** What a listing needs of its session, inside one of its operations. */
export interface ListingSession {
  channel: CommandChannel;
  transfers: TransferSession;
  /** Control-channel encoding: names in listings are in it too. */
  encoding: string;
  /** The server's profile: its SYST reply, the dialect of its last listing, the listing command. */
  server: FtpServerKnowledge;
  /** Records a LIST dialect learned (and tells the diagnostics channel when it is news). */
  learnListingDialect(name: string): void;
}

/**
 * The listing as it arrives, in the server's order (MLSD when FEAT lists
 * MLST, else LIST): `onEntries` gets the entries each piece of the data
 * connection completed, and the next piece is read only once what it
 * returned has settled. Nothing is kept here.
 */
export async function streamList(
  session: ListingSession,
  path: string,
  onEntries: FtpEntriesConsumer,
  options: FtpListOptions,
): Promise<void> {
  const mlsd = session.channel.features().has('MLST');
  const { server } = session;
  // SYST before the batch that ends in EPSV: nothing goes between EPSV and LIST.
  if (!mlsd) await askSystem(session, options.signal);
  const answered = await enter(session.channel, path, options);
  const parser = createListingParser({
    format: mlsd ? 'mlsd' : 'list',
    ...(server.system ? { system: server.system } : {}),
    ...(server.listingDialect === undefined ? {} : { dialect: server.listingDialect }),
  });
  const decoder = iconv.getDecoder(session.encoding);
  const consume = (chunk: Buffer): void | Promise<void> => {
    const entries = parser.push(decoder.write(chunk));
    return entries.length > 0 ? onEntries(entries) : undefined;
  };
  await receive(session.transfers, mlsd ? 'MLSD' : 'LIST', undefined, options, consume, answered);
  const last = [...parser.push(decoder.end() ?? ''), ...parser.end()];
  session.server.learn('listing', mlsd ? 'MLSD' : 'LIST');
  if (parser.dialect !== undefined) session.learnListingDialect(parser.dialect);
  if (last.length > 0) await onEntries(last);
}

/**
 * SYST (RFC 959 §4.1.3), once per server and only for LIST: it says which
 * dialects to try first (detectDialect.systemDialects). One round trip at the
 * server's first LIST; none once a listing has shown its dialect.
 */
async function askSystem(session: ListingSession, signal?: AbortSignal): Promise<void> {
  const { server } = session;
  if (server.system !== undefined || server.listingDialect !== undefined) return;
  const reply = await session.channel.command('SYST', undefined, signal);
  // "215 UNIX Type: L8" → "UNIX Type: L8"; anything else (502 on servers that hide it): nothing to go by.
  server.learnSystem(reply.code === 215 ? reply.message.replace(/^\d{3}[ -]?/gm, '').trim() : '');
}

/** The whole listing, for callers that need it all (at most `maxEntries`, default 1,000,000). */
export async function listAll(session: ListingSession, path: string, options: FtpListOptions): Promise<FtpEntry[]> {
  const maxEntries = options.maxEntries ?? 1_000_000;
  const entries: FtpEntry[] = [];
  await streamList(
    session,
    path,
    (batch) => {
      for (const e of batch) entries.push(e);
      if (entries.length > maxEntries) throw parseError(`listing has more than ${maxEntries} entries`);
    },
    options,
  );
  return entries;
}

/** NLST: the names alone, at most 64 MiB of them. */
export async function nameList(session: ListingSession, path: string, options: FtpListOptions): Promise<string[]> {
  const answered = await enter(session.channel, path, options);
  const decoder = iconv.getDecoder(session.encoding);
  let text = '';
  const consume = (chunk: Buffer): void => {
    text += decoder.write(chunk);
    if (text.length > 64 * 1024 * 1024) throw parseError('NLST too long');
  };
  await receive(session.transfers, 'NLST', undefined, options, consume, answered);
  text += decoder.end() ?? '';
  // pure-ftpd lists "." and ".." here too.
  return text.split(/\r?\n/).filter((n) => n !== '' && n !== '.' && n !== '..');
}

/**
 * CWD first, so names with glob characters or a leading "-" are never read
 * as LIST options; then TYPE A. Where the server takes pipelined commands,
 * the data connection's EPSV/PASV goes with them, all in one round trip:
 * its reply is returned for the transfer. (Wasted only when the CWD fails:
 * the server then has a passive port open until the next command.)
 */
async function enter(channel: CommandChannel, path: string, options: FtpListOptions): Promise<AnsweredDataCommand | undefined> {
  const { signal } = options;
  const ahead = channel.passiveAhead(options.mode);
  if (ahead === undefined) {
    checkCwd(await channel.command('CWD', path, signal));
    await channel.setType('ascii', signal);
    return undefined;
  }
  const type = channel.typeCommand('ascii');
  const replies = await channel.exchange([['CWD', path], ...(type ? [type] : []), [ahead]], signal);
  // The TYPE took effect whatever the CWD said: recorded first, so the next binary transfer switches back.
  if (type) channel.typeAnswered('ascii', replies[1] as FtpReply);
  checkCwd(replies[0] as FtpReply);
  return { method: ahead, reply: replies.at(-1) as FtpReply };
}

function checkCwd(cwd: FtpReply): void {
  if (cwd.code !== 250 && cwd.code !== 200) throw replyError('CWD', cwd.code, cwd.message);
}

/** Remembers the dialect a listing was in; the change is published once, for the log and the profile. */
export function learnListingDialect(
  server: FtpServerKnowledge,
  who: { sessionId: number; host: string; port: number },
  name: string,
): void {
  if (!server.learnListingDialect(name)) return;
  publish(ftpChannels.server, () => ({ ...who, fact: 'listingDialect', value: name, how: 'listing' }) satisfies FtpServerEvent);
}
