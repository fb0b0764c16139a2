import diagnostics_channel from 'node:diagnostics_channel';
import { ftpChannels, type FtpCommandEvent, type FtpReplyEvent } from '../diagnostics.js';
import { parsePasvReply } from '../data/passive.js';
import { parseError } from '../errors.js';
import { FtpClient } from '../ftpClient.js';
import { createServerKnowledge } from '../profile/serverProfile.js';
import type { FtpConnectOptions, FtpDataMethod, FtpServerKnowledge } from '../types.js';
import { runControlSteps } from './controlSteps.js';
import { StepRecorder, type FtpDiagnosisStep } from './diagnosisStep.js';

const METHODS: readonly FtpDataMethod[] = ['EPSV', 'PASV', 'EPRT', 'PORT'];
/** Entries read from each listing of the root before it is stopped (ABOR): a diagnosis proves the connection, not the folder. */
const DEFAULT_MAX_ENTRIES = 500;

export interface FtpDiagnoseOptions {
  /** How the gateway connects (its configured TLS, timeouts, active options); `serverKnowledge` gets what is learned. */
  connect: FtpConnectOptions;
  /** The folder to list over each data method, from the login directory (null when PWD did not say); null: it cannot be placed. */
  listPath(loginDirectory: string | null): string | null;
  maxEntries?: number;
}

export interface FtpDiagnosis {
  steps: FtpDiagnosisStep[];
  /** The control connection's peer address. */
  peerAddress: string | null;
  loginDirectory: string | null;
  /** The folder the data steps listed (null when they did not run). */
  listedPath: string | null;
}

/** Thrown by the listing consumer once it has read enough: the listing stops there, and that is a success. */
const ENOUGH = Symbol('enough entries');

/**
 * A diagnosis: a session of its own (never a pooled one) that tries
 * everything the gateway may need and reports each step. The control steps
 * (controlSteps.ts) come first; then, on a fresh logged-in session, a CWD to
 * the root and one listing of it over each of EPSV, PASV, EPRT and PORT,
 * exactly that method, no fallback. A step that leaves its session unusable
 * (a timeout, a refused connection the server answers late) costs only that
 * step: the next one gets a new session. What the sessions learn goes into
 * the server's profile like any session's.
 */
export async function diagnoseServer(options: FtpDiagnoseOptions): Promise<FtpDiagnosis> {
  const server = options.connect.serverKnowledge ?? createServerKnowledge();
  const connect: FtpConnectOptions = { ...options.connect, serverKnowledge: server };
  const control = await runControlSteps(connect, server);
  const diagnosis: FtpDiagnosis = {
    steps: control.steps,
    peerAddress: control.peerAddress,
    loginDirectory: control.loginDirectory,
    listedPath: null,
  };
  if (!control.loggedIn || options.connect.signal?.aborted) return diagnosis;

  const path = options.listPath(control.loginDirectory);
  if (path === null) {
    diagnosis.steps.push(new StepRecorder('root').failed(parseError('the root is relative to a login directory the server did not name')));
    return diagnosis;
  }
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  let client: FtpClient | null = null;
  /** The session whose commands and replies the transcript takes. */
  let recorded: FtpClient | null = null;
  const session = async (): Promise<FtpClient> => {
    if (client?.usable) return client;
    client?.destroy();
    client = null;
    client = await FtpClient.connect(connect);
    recorded = client;
    return client;
  };
  const transcript = new Transcript(() => recorded?.id);
  try {
    const root = transcript.record(new StepRecorder('root'));
    try {
      await (await session()).cwd(path, connect.signal);
      diagnosis.steps.push(root.ok());
    } catch (err) {
      diagnosis.steps.push(root.failed(err));
      return diagnosis;
    }
    diagnosis.listedPath = path;
    /** A file of the root, for the SIZE in ASCII step. */
    let aFile: string | null = null;
    for (const method of METHODS) {
      if (connect.signal?.aborted) break;
      const rec = transcript.record(new StepRecorder(method));
      let entries = 0;
      try {
        await (await session()).streamList(
          path,
          (batch) => {
            aFile ??= batch.find((e) => e.type === 'file')?.name ?? null;
            entries += batch.length;
            if (entries >= maxEntries) throw ENOUGH;
          },
          { method, ...(connect.signal ? { signal: connect.signal } : {}) },
        );
        diagnosis.steps.push(rec.ok({ entries, ...pasvAddress(rec) }));
      } catch (err) {
        diagnosis.steps.push(err === ENOUGH ? rec.ok({ entries, ...pasvAddress(rec) }) : rec.failed(err, pasvAddress(rec)));
      }
    }
    const works = diagnosis.steps.find((s) => s.ok && (METHODS as readonly string[]).includes(s.step));
    if ((connect.tls?.mode ?? 'none') !== 'none' && works && !connect.signal?.aborted) {
      const rec = transcript.record(new StepRecorder('TLS session reuse'));
      diagnosis.steps.push(await probeSessionReuse(connect, works.step as FtpDataMethod, path, maxEntries, rec, (c) => (recorded = c)));
    }
    if (aFile !== null && !connect.signal?.aborted) {
      const rec = transcript.record(new StepRecorder('SIZE in ASCII'));
      diagnosis.steps.push(await probeSizeInAscii(await session(), server, `${path.replace(/\/$/, '')}/${aFile}`, rec, connect.signal));
    }
    return diagnosis;
  } finally {
    transcript.close();
    await (client as FtpClient | null)?.quit();
  }
}

/**
 * Whether the server requires PROT P data connections to resume the control
 * connection's TLS session (vsftpd's require_ssl_reuse, proftpd's default):
 * one listing over a method that just worked, on a session whose data
 * connections offer no session to resume. Refused, it is required; through,
 * it is not. Either way the step is ok (the gateway always resumes); only a
 * session that cannot be had fails it. Learned into the profile.
 */
async function probeSessionReuse(
  connect: FtpConnectOptions,
  method: FtpDataMethod,
  path: string,
  maxEntries: number,
  rec: StepRecorder,
  record: (client: FtpClient) => void,
): Promise<FtpDiagnosisStep> {
  const server = connect.serverKnowledge as NonNullable<FtpConnectOptions['serverKnowledge']>;
  let probe: FtpClient;
  try {
    probe = await FtpClient.connect({ ...connect, resumeDataTlsSession: false });
  } catch (err) {
    return rec.failed(err);
  }
  record(probe);
  let entries = 0;
  let required: boolean;
  try {
    await probe.streamList(
      path,
      (batch) => {
        entries += batch.length;
        if (entries >= maxEntries) throw ENOUGH;
      },
      { method, ...(connect.signal ? { signal: connect.signal } : {}) },
    );
    required = false;
  } catch (err) {
    if (err !== ENOUGH && connect.signal?.aborted) {
      await probe.quit();
      return rec.failed(err);
    }
    required = err !== ENOUGH;
  }
  // The step is taken before QUIT, so its transcript ends with the listing.
  const step = rec.ok(required ? { reuseRequired: true } : { reuseRequired: false, entries });
  server.learn('tlsSessionReuse', required);
  await probe.quit();
  return step;
}

/**
 * Whether SIZE answers in TYPE A (RFC 3659 §4.1: some servers refuse it,
 * others answer the on-disk size, not what an ASCII download sends), on a
 * file the listing named. The session is the diagnosis' own and is quit
 * right after, so its TYPE is set by hand and put back. A refusal is no
 * failure of the step: the gateway only asks SIZE in TYPE I.
 */
async function probeSizeInAscii(
  client: FtpClient,
  server: FtpServerKnowledge,
  file: string,
  rec: StepRecorder,
  signal?: AbortSignal,
): Promise<FtpDiagnosisStep> {
  try {
    const type = await client.raw('TYPE', 'A', signal);
    if (type.code !== 200) return rec.failed(parseError(`TYPE A answered ${type.code}`));
    const size = await client.raw('SIZE', file, signal);
    await client.raw('TYPE', 'I', signal);
    const answered = size.code === 213;
    server.learn('sizeInAscii', answered);
    return rec.ok({ sizeInAscii: answered });
  } catch (err) {
    return rec.failed(err);
  }
}

/** The address a PASV reply named, when the step got one. */
function pasvAddress(rec: StepRecorder): { pasvAddress?: string } {
  const reply = rec.replies.find((r) => r.code === 227);
  if (!reply) return {};
  try {
    return { pasvAddress: parsePasvReply(reply).host };
  } catch {
    return {};
  }
}

/**
 * The commands and replies of the diagnosis' own data session, read from the
 * FTP layer's diagnostics channels (PASS comes masked) into the step being
 * recorded. Other sessions of the process publish there too: only this
 * session's id is taken.
 */
class Transcript {
  readonly #sessionId: () => number | undefined;
  #current: StepRecorder | null = null;
  readonly #onCommand = (message: unknown): void => {
    const e = message as FtpCommandEvent;
    if (this.#current === null || e.sessionId !== this.#sessionId()) return;
    const space = e.text.indexOf(' ');
    this.#current.sent(space < 0 ? e.text : e.text.slice(0, space), space < 0 ? undefined : e.text.slice(space + 1));
  };
  readonly #onReply = (message: unknown): void => {
    const e = message as FtpReplyEvent;
    if (this.#current === null || e.sessionId !== this.#sessionId()) return;
    this.#current.replied({ code: e.code, message: e.message });
  };

  constructor(sessionId: () => number | undefined) {
    this.#sessionId = sessionId;
    diagnostics_channel.subscribe(ftpChannels.command.name, this.#onCommand);
    diagnostics_channel.subscribe(ftpChannels.reply.name, this.#onReply);
  }

  record(rec: StepRecorder): StepRecorder {
    this.#current = rec;
    return rec;
  }

  close(): void {
    this.#current = null;
    diagnostics_channel.unsubscribe(ftpChannels.command.name, this.#onCommand);
    diagnostics_channel.unsubscribe(ftpChannels.reply.name, this.#onReply);
  }
}
