import { ftpChannels, publish, type FtpServerEvent } from '../diagnostics.js';
import { isRestRefused, replyError } from '../errors.js';
import type { FtpRestMode, FtpServerKnowledge } from '../types.js';

interface Who {
  sessionId: number;
  host: string;
  port: number;
}

/**
 * A transfer that starts at `offset` (> 0, so REST goes out right before its
 * verb), and what it shows of REST: taken, the server has REST STREAM;
 * refused as not implemented, it has none, and the error says so (a caller
 * must not read it as a missing file or a broken connection).
 */
export async function restarting<T>(server: FtpServerKnowledge, who: Who, offset: number, transfer: () => Promise<T>): Promise<T> {
  try {
    const result = await transfer();
    learn(server, who, 'stream');
    return result;
  } catch (err) {
    if (!isRestRefused(err)) throw err;
    learn(server, who, 'none');
    throw replyError('REST', err.ftpCode ?? 0, err.ftpMessage ?? '', `the server has no REST: a transfer cannot start at byte ${offset}`);
  }
}

function learn(server: FtpServerKnowledge, who: Who, mode: FtpRestMode): void {
  if (!server.learnRestMode(mode)) return;
  publish(ftpChannels.server, () => ({ ...who, fact: 'restMode', value: mode, how: 'reply' }) satisfies FtpServerEvent);
}
