import { isFtpError, type FtpError } from '../errors.js';
import type { FtpReply } from '../reply/ftpReply.js';

export type FtpDiagnosisStepName =
  | 'connect'
  | 'greeting'
  | 'TLS'
  | 'login'
  | 'PROT P'
  | 'SYST'
  | 'FEAT'
  | 'PWD'
  | 'root'
  | 'EPSV'
  | 'PASV'
  | 'EPRT'
  | 'PORT'
  | 'TLS session reuse'
  | 'SIZE in ASCII';

/**
 * One step of a diagnosis as the FTP layer saw it: what was sent (PASS
 * masked as `PASS ***`), what came back, and for a failure the error. The
 * gateway turns steps into advice; the FTP layer only reports.
 */
export interface FtpDiagnosisStep {
  step: FtpDiagnosisStepName;
  ok: boolean;
  ms: number;
  /** The commands, one per line. */
  sent?: string;
  /** The replies as the server sent them (codes kept), one after the other. */
  reply?: string;
  /** The code of the last reply. */
  code?: number;
  error?: FtpError;
  /** Data steps: entries read from the listing (at most the diagnosis' maxEntries). */
  entries?: number;
  /** PASV: the address its 227 named (the data connection goes to the control peer instead). */
  pasvAddress?: string;
  /** TLS session reuse: whether a data connection that did not resume the control connection's TLS session was refused. */
  reuseRequired?: boolean;
  /** SIZE in ASCII: whether SIZE answered in TYPE A (RFC 3659 §4.1 lets a server refuse, or answer the on-disk size). */
  sizeInAscii?: boolean;
}

/** Collects one step's commands and replies as they go, then closes it with its outcome. */
export class StepRecorder {
  readonly #step: FtpDiagnosisStepName;
  readonly #started = performance.now();
  readonly #sent: string[] = [];
  readonly #replies: FtpReply[] = [];

  constructor(step: FtpDiagnosisStepName) {
    this.#step = step;
  }

  sent(verb: string, argument?: string): void {
    const upper = verb.toUpperCase();
    this.#sent.push(upper === 'PASS' || upper === 'ACCT' ? `${upper} ***` : argument === undefined ? verb : `${verb} ${argument}`);
  }

  replied(reply: FtpReply): void {
    this.#replies.push(reply);
  }

  get replies(): readonly FtpReply[] {
    return this.#replies;
  }

  ok(extra: Partial<FtpDiagnosisStep> = {}): FtpDiagnosisStep {
    return this.#end(true, extra);
  }

  failed(error: unknown, extra: Partial<FtpDiagnosisStep> = {}): FtpDiagnosisStep {
    const err = isFtpError(error) ? error : undefined;
    // A refusal's reply is the one the error carries, also when it never reached the transcript (a 421 closing the connection).
    if (err?.ftpCode !== undefined && !this.#replies.some((r) => r.code === err.ftpCode)) {
      this.#replies.push({ code: err.ftpCode, message: err.ftpMessage ?? String(err.ftpCode) });
    }
    return this.#end(false, { ...(err ? { error: err } : {}), ...extra });
  }

  #end(ok: boolean, extra: Partial<FtpDiagnosisStep>): FtpDiagnosisStep {
    const last = this.#replies.at(-1);
    return {
      step: this.#step,
      ok,
      ms: Math.round(performance.now() - this.#started),
      ...(this.#sent.length > 0 ? { sent: this.#sent.join('\n') } : {}),
      ...(this.#replies.length > 0 ? { reply: this.#replies.map((r) => r.message).join('\n') } : {}),
      ...(last ? { code: last.code } : {}),
      ...extra,
    };
  }
}
