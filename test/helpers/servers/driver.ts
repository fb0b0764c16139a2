// What index.ts needs from each server kind's module.
import type { PortBlock } from './ports.js';
import type { SystemUser } from './systemUser.js';
import type { TlsCert } from './tlsCert.js';
import type { FtpServerAvailability, FtpServerFeatures, FtpServerKind, ResolvedFtpServerOptions } from './types.js';

export interface ServerContext {
  readonly user: SystemUser;
  readonly ports: PortBlock;
  /** This server's temp folder (0755), holding root/ and conf/. */
  readonly base: string;
  /** Served folder, owned by the test user. */
  readonly root: string;
  /** Config, pid, scoreboard and log files (root-owned). */
  readonly conf: string;
  readonly options: ResolvedFtpServerOptions;
  readonly cert: TlsCert | undefined;
}

export interface ServerInstance {
  /** Starts and resolves once the 220 greeting has been seen. */
  start(): Promise<void>;
  stop(): Promise<void>;
  commandLog(): Promise<string[]>;
  processIds(): number[];
}

export interface FtpServerDriver {
  readonly kind: FtpServerKind;
  /** Runs sessions as the system test account (else in-process, as ourselves). */
  readonly usesSystemUser: boolean;
  /** false: the account is not chrooted, FTP paths are host paths (default true). */
  readonly chrooted?: boolean;
  availability(): FtpServerAvailability;
  /** Why this server cannot be run with these options, or undefined when it can. */
  unsupported(options: ResolvedFtpServerOptions): string | undefined;
  features(options: ResolvedFtpServerOptions): FtpServerFeatures;
  /** Writes the config files; does not start anything. */
  prepare(context: ServerContext): Promise<ServerInstance>;
}

/** The Debian servers switch users and chroot: they need root. */
export function rootAvailability(): FtpServerAvailability {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { available: false, reason: 'needs root (user switching and chroot)' };
  }
  return { available: true };
}

/** Masks the password of a logged PASS command. */
export function maskPass(command: string): string {
  return /^PASS\b/i.test(command) ? 'PASS ****' : command;
}
