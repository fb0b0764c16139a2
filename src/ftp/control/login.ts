import { parseError, replyError } from '../errors.js';
import type { FtpReply } from '../reply/ftpReply.js';
import type { FtpConnectOptions } from '../types.js';

/** Sends one command and reads its completion reply. */
type Run = (verb: string, argument?: string) => Promise<FtpReply>;

/**
 * USER, PASS and, when the server answers either with 332 (RFC 959 §4.1.1:
 * servers that authorize or bill by account), ACCT with the configured
 * account. A 332 with no account configured is the error: the gateway
 * never guesses one.
 * PASS and ACCT go out masked in every event (FtpControl).
 */
export async function logIn(run: Run, options: Pick<FtpConnectOptions, 'user' | 'password' | 'account'>): Promise<void> {
  const user = await run('USER', options.user ?? 'anonymous');
  if (user.code === 230) return;
  if (user.code === 332) return account(run, 'USER', user, options.account);
  if (user.code !== 331) throw replyError('USER', user.code, user.message);
  const pass = await run('PASS', options.password ?? '');
  if (pass.code === 230 || pass.code === 202) return;
  if (pass.code === 332) return account(run, 'PASS', pass, options.account);
  throw replyError('PASS', pass.code, pass.message);
}

async function account(run: Run, after: 'USER' | 'PASS', asked: FtpReply, value: string | undefined): Promise<void> {
  if (value === undefined) throw replyError(after, asked.code, asked.message, `${after} needs an account (ACCT) and none is configured`);
  const reply = await run('ACCT', value);
  if (reply.code !== 230 && reply.code !== 202) throw replyError('ACCT', reply.code, reply.message);
}

/**
 * The configured SITE commands (z/OS `RECFM=FB LRECL=80`, OS/400 `LISTFMT 1`),
 * in order, once logged in. One round trip each, at every login. A refusal
 * fails the session: one set up otherwise than configured could store
 * records or list names in a form nobody asked for.
 */
export async function sendSiteCommands(run: Run, commands: readonly string[]): Promise<void> {
  for (const command of commands) {
    const reply = await run('SITE', command);
    if (reply.code < 200 || reply.code >= 300) throw replyError('SITE', reply.code, reply.message);
  }
}

/** RFC 959 §7: `257 "/dir/with ""quotes""" is current directory`; the z/OS form `"'USER.'"` keeps its single quotes. */
export function directoryFromPwd(reply: FtpReply): string {
  const m = /"((?:[^"]|"")*)"/.exec(reply.message);
  if (!m) throw parseError('unparseable PWD reply', { code: 257, message: reply.message, command: 'PWD' });
  return (m[1] as string).replace(/""/g, '"');
}
