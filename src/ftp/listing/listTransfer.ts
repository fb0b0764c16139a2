import iconv from 'iconv-lite';
import type { CommandChannel } from '../control/commandChannel.js';
import { parseError, replyError } from '../errors.js';
import { receive } from '../data/receive.js';
import type { TransferSession } from '../data/settle.js';
import type { FtpEntriesConsumer, FtpEntry, FtpListOptions } from '../types.js';
import { createListingParser } from './parseListing.js';

/** What a listing needs of its session, inside one of its operations. */
export interface ListingSession {
  channel: CommandChannel;
  transfers: TransferSession;
  /** Control-channel encoding: names in listings are in it too. */
  encoding: string;
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
  await enter(session.channel, path, options.signal);
  const parser = createListingParser({ format: mlsd ? 'mlsd' : 'list' });
  const decoder = iconv.getDecoder(session.encoding);
  await receive(session.transfers, mlsd ? 'MLSD' : 'LIST', undefined, options, (chunk) => {
    const entries = parser.push(decoder.write(chunk));
    return entries.length > 0 ? onEntries(entries) : undefined;
  });
  const last = [...parser.push(decoder.end() ?? ''), ...parser.end()];
  if (last.length > 0) await onEntries(last);
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
  await enter(session.channel, path, options.signal);
  const decoder = iconv.getDecoder(session.encoding);
  let text = '';
  await receive(session.transfers, 'NLST', undefined, options, (chunk) => {
    text += decoder.write(chunk);
    if (text.length > 64 * 1024 * 1024) throw parseError('NLST too long');
  });
  text += decoder.end() ?? '';
  // pure-ftpd lists "." and ".." here too.
  return text.split(/\r?\n/).filter((n) => n !== '' && n !== '.' && n !== '..');
}

/** CWD first, so names with glob characters or a leading "-" are never read as LIST options; then TYPE A. */
async function enter(channel: CommandChannel, path: string, signal?: AbortSignal): Promise<void> {
  const cwd = await channel.command('CWD', path, signal);
  if (cwd.code !== 250 && cwd.code !== 200) throw replyError('CWD', cwd.code, cwd.message);
  await channel.setType('ascii', signal);
}
