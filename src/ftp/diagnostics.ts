import diagnostics_channel from 'node:diagnostics_channel';
import type { FtpDataMethod, FtpTransferType } from './types.js';

/**
 * The FTP layer logs nothing itself: it publishes here, and the HTTP layer /
 * main subscribe (pino, prom-client). Arguments of PASS are masked where the
 * event is produced, so no subscriber can leak them.
 */
export interface FtpCommandEvent {
  sessionId: number;
  host: string;
  verb: string /** masked for PASS/ACCT */;
  text: string;
}
export interface FtpReplyEvent {
  sessionId: number;
  host: string;
  verb: string | undefined;
  code: number;
  message: string;
}
export interface FtpSessionEvent {
  sessionId: number;
  host: string;
  port: number;
  event: 'open' | 'close';
  reason?: string;
}
export interface FtpTransferEvent {
  sessionId: number;
  host: string;
  direction: 'upload' | 'download' | 'list';
  method: FtpDataMethod;
  type: FtpTransferType;
  bytes: number;
  durationMs: number;
  ok: boolean;
  /** The bytes went through the kernel relay (splice), not through this process. */
  kernelRelay: boolean;
}

/**
 * Something learned about a server (published once, when it changes what
 * was known). Pipelining, `how`: a probe at login, or a pipelined batch of
 * which only some replies came before the command timeout. REST, `how`
 * `reply`: the answer to a REST a transfer needed. The listing dialect
 * (`unix`, `windows`, `vms`, ...): read from a LIST, `how` `listing`.
 */
export type FtpServerEvent = { sessionId: number; host: string; port: number } & (
  | { fact: 'pipelining'; value: boolean; how: 'probe' | 'batch-unanswered' }
  | { fact: 'restMode'; value: 'stream' | 'none'; how: 'reply' }
  | { fact: 'listingDialect'; value: string; how: 'listing' }
);

/**
 * A server profile changed (profile/serverProfile.ts): one fact and its new
 * value (`dataMethods.PORT`: `refused (500)`). Facts hold no credentials.
 */
export interface FtpProfileEvent {
  /** The gateway's name for the server, when the profile was given one. */
  name: string | undefined;
  host: string | undefined;
  port: number | undefined;
  fact: string;
  value: unknown;
}

export const ftpChannels = {
  command: diagnostics_channel.channel('ftp-gateway:ftp:command'),
  reply: diagnostics_channel.channel('ftp-gateway:ftp:reply'),
  session: diagnostics_channel.channel('ftp-gateway:ftp:session'),
  transfer: diagnostics_channel.channel('ftp-gateway:ftp:transfer'),
  server: diagnostics_channel.channel('ftp-gateway:ftp:server'),
  profile: diagnostics_channel.channel('ftp-gateway:ftp:profile'),
} as const;

/** The event is built only when someone listens: with no subscriber, nothing on the hot path but this check. */
export function publish<T extends object>(channel: diagnostics_channel.Channel, message: () => T): void {
  if (channel.hasSubscribers) channel.publish(message());
}
