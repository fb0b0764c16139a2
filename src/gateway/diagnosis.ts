import { diagnoseServer, isCapacitySignal, type FtpDiagnosisStep } from '../ftp/index.js';
import { adviseSteps, recommend, type Recommendation } from './diagnosisAdvice.js';
import { resolveRoot } from './ftpPaths.js';
import type { Credentials, ServerHandle } from './serverRegistry.js';

/**
 * Waits of a diagnosis, at most: it runs while a person looks at a page, so
 * a server that hangs costs a failed step after seconds, not minutes, even
 * where the configured timeouts are long (each is also at most the
 * configured one).
 */
const CAP_MS = { connectMs: 10_000, commandMs: 15_000, dataMs: 15_000 } as const;

/** One step as the contract shows it; `reply` is the server's text (write scope only). */
export interface DiagnosisStepReport {
  step: FtpDiagnosisStep['step'];
  ok: boolean;
  ms: number;
  sent?: string;
  reply?: string;
  /** The last reply's code. */
  code?: number;
  /** Data steps: entries read from the root's listing (a diagnosis stops reading after a few hundred). */
  entries?: number;
  advice?: string;
}

export interface DiagnosisReport {
  ok: boolean;
  steps: DiagnosisStepReport[];
  recommendation: Recommendation;
}

/** The steps without which the gateway cannot work with the server at all. */
const ESSENTIAL = new Set<string>(['connect', 'TLS', 'greeting', 'login', 'PROT P', 'root']);
const DATA = new Set<string>(['EPSV', 'PASV', 'EPRT', 'PORT']);

/**
 * `POST /api/v1/servers/{server}/diagnose`: a fresh session with the
 * server's configuration (and the caller's credentials on a pass-through
 * server), never one from the pool, reported step by step with advice and
 * the settings to use. What it learns goes into the server's profile.
 */
export async function diagnose(handle: ServerHandle, credentials: Credentials | null, signal: AbortSignal): Promise<DiagnosisReport> {
  const connect = handle.connectOptions(credentials, signal);
  const t = handle.config.timeouts;
  connect.timeouts = {
    connectMs: Math.min(t.connectMs, CAP_MS.connectMs),
    commandMs: Math.min(t.commandMs, CAP_MS.commandMs),
    dataMs: Math.min(t.dataMs, CAP_MS.dataMs),
  };
  const openSessions = handle.stats()?.size ?? 0;
  // A login directory the pool would refuse (learnLoginDirectory: not absolute, as VMS's) places no root here either.
  const listPath = (login: string | null): string | null =>
    login !== null && !login.startsWith('/') && handle.config.root.relativeTo === 'login' ? null : resolveRoot(handle.config.root, login);
  const result = await diagnoseServer({ connect, listPath });
  const context = {
    config: handle.config,
    passThrough: handle.passThrough,
    peerAddress: result.peerAddress,
    loginDirectory: result.loginDirectory,
    listedPath: result.listedPath,
    openSessions,
    sessionLimit: handle.profile.facts.sessionLimit,
  };
  // Turned away for capacity with sessions of ours open: the same fact a pool's 421 teaches.
  if (openSessions > 0 && result.steps.some((s) => !s.ok && s.error !== undefined && isCapacitySignal(s.error))) {
    handle.profile.learn('sessionLimit', openSessions);
  }
  const advice = adviseSteps(result.steps, context);
  const steps = result.steps.map((s): DiagnosisStepReport => {
    const text = advice.get(s);
    return {
      step: s.step,
      ok: s.ok,
      ms: s.ms,
      ...(s.sent !== undefined ? { sent: s.sent } : {}),
      ...(s.reply !== undefined ? { reply: s.reply } : {}),
      ...(s.code !== undefined ? { code: s.code } : {}),
      ...(s.entries !== undefined ? { entries: s.entries } : {}),
      ...(text !== undefined ? { advice: text } : {}),
    };
  });
  const essentialOk = !steps.some((s) => ESSENTIAL.has(s.step) && !s.ok);
  const dataOk = steps.some((s) => DATA.has(s.step) && s.ok);
  return { ok: essentialOk && dataOk, steps, recommendation: recommend(result.steps, context) };
}
