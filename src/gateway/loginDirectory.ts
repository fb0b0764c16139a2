import { isReplyError, parseError, replyError, type FtpSession } from '../ftp/index.js';
import { normaliseRoot } from './ftpPaths.js';

/**
 * The login directory of a fresh session: its PWD (RFC 959 §4.1.3, 257
 * reply, parsed by the client), asked before anything could CWD elsewhere.
 * A root relative to it is anchored here, so whatever cannot anchor one
 * fails the session (502) instead of falling back to "/": a refused PWD, a
 * reply without a quoted path, a path that is not absolute (VMS answers
 * `"DISK$USER:[BOB]"`), or one with CR, LF or NUL in it (it is sent back in
 * every command). The path itself stays out of the error: it is server text.
 */
export async function learnLoginDirectory(session: FtpSession, signal: AbortSignal): Promise<string> {
  let path: string;
  try {
    path = await session.pwd(signal);
  } catch (err) {
    if (!isReplyError(err)) throw err;
    // Its category is 'protocol' whatever the code (categoryForReply): not a 404, the server failing us.
    throw replyError(
      'PWD',
      err.ftpCode ?? 0,
      err.ftpMessage ?? '',
      'PWD after login was refused: the root is relative to the login directory',
    );
  }
  if (!path.startsWith('/') || /[\r\n\0]/.test(path)) {
    throw parseError('the login directory (PWD) is not an absolute path: the root cannot be placed below it', {
      code: 257,
      command: 'PWD',
    });
  }
  return normaliseRoot(path);
}
