// Public types of the test FTP server launchers (re-exported by index.ts).

export type FtpServerKind = 'vsftpd' | 'pure-ftpd' | 'proftpd' | 'ftp-srv' | 'inetutils-ftpd' | 'netkit-ftpd';

export type FtpDataModes = 'both' | 'passive-only' | 'active-only';
export type FtpTlsMode = 'none' | 'explicit' | 'explicit-required' | 'implicit';

export interface FtpServerOptions {
  /** passive-only: PORT/EPRT refused; active-only: PASV/EPSV refused. */
  dataModes?: FtpDataModes;
  /** explicit = AUTH TLS offered; explicit-required = plaintext login refused; implicit = TLS from the first byte. */
  tls?: FtpTlsMode;
  /** vsftpd only: ascii_upload_enable + ascii_download_enable (default false, vsftpd's default). */
  ascii?: boolean;
  /** Server-side idle session timeout (pure-ftpd counts whole minutes: rounded up). */
  idleTimeoutSec?: number;
  /** Server-side limit of concurrent sessions. */
  maxClients?: number;
  /** Size of the passive port range (default 64). */
  passivePorts?: number;
  /**
   * vsftpd only. false: chroot_local_user=NO, so the session sees the host's
   * whole file system and `root` is its login directory (its PWD after
   * login), not its "/". Default true.
   */
  chroot?: boolean;
  /**
   * vsftpd only: the address its PASV replies name (pasv_address), as a
   * server behind NAT names its inside one; the data connection still goes
   * to 127.0.0.1 when the client connects to the control peer instead.
   */
  pasvAddress?: string;
}

export interface FtpServerFeatures {
  readonly mlsd: boolean;
  /** TYPE A converts line ends (otherwise TYPE A is accepted and bytes move unchanged). */
  readonly asciiConversion: boolean;
  readonly tls: boolean;
  readonly active: boolean;
  readonly passive: boolean;
}

export interface RunningFtpServer {
  readonly kind: FtpServerKind;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** First and last port of the passive range (inclusive). */
  readonly passivePorts: readonly [number, number];
  readonly user: string;
  readonly password: string;
  /** The local folder served: the user's "/" on a chrooted server, the login directory on one that is not. */
  readonly root: string;
  /** The FTP path of `root`: "/" when chrooted; on a non-chrooted server the same absolute path as on the host. */
  readonly ftpRoot: string;
  /** PEM of the self-signed certificate when tls != none (pass as `ca`). */
  readonly caPem?: string | undefined;
  readonly features: FtpServerFeatures;
  /** ftp://user:pass@127.0.0.1:port/ (ftps:// for implicit TLS); not chrooted, its path is read as the login directory (RFC 1738) or as the host's "/". */
  url(): string;
  /** Ends the listener and every session process; removes the temp folder. */
  stop(): Promise<void>;
  /** Ends all processes and starts again on the same port, root and config. */
  restart(): Promise<void>;
  /** Commands received, oldest first, as sent ("USER ftpgw", "PASV"; PASS masked as "PASS ****"); [] where the server cannot log them. */
  commandLog(): Promise<string[]>;
  /** Pids of the server's live processes (listener and sessions); [] for the in-process ftp-srv. */
  processIds(): number[];
}

export type FtpServerAvailability = { available: true } | { available: false; reason: string };

/** Options with defaults applied. */
export interface ResolvedFtpServerOptions {
  readonly dataModes: FtpDataModes;
  readonly tls: FtpTlsMode;
  readonly ascii: boolean;
  readonly idleTimeoutSec: number | undefined;
  readonly maxClients: number | undefined;
  readonly passivePorts: number;
  readonly chroot: boolean;
  readonly pasvAddress: string | undefined;
}
