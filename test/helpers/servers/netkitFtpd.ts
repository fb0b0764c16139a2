// netkit/OpenBSD ftpd ("Version 6.4/OpenBSD/Linux-ftpd-0.17"): Debian's `ftpd`
// package, today a transitional package for `ftpd-ssl` (source linux-ftpd-ssl),
// whose /usr/sbin/in.ftpd is unpacked into .ftp-servers/netkit-ftpd/ and run
// without TLS (`-z nossl`) per connection under socat (inetdFtpd.ts).
//
// PAM: in.ftpd authenticates through the PAM service "ftp", and at USER it
// already runs the auth stack to learn the password prompt: pam_ftp.so must be
// in it ("ftpd uses it to figure out prompts and determining anonymity",
// README.Debian). Without /etc/pam.d/ftp PAM falls back to "other"
// (common-auth: pam_unix alone), the prompt cannot be answered at USER, and
// USER gets "550 Authentication failure" (then PASS would still log in, but a
// client has given up by then). So the namespace sees a copy of /etc/pam.d
// with the package's own ftp service file; the host's /etc/pam.d is untouched.
//
// Quirks (also in the report for issue 12):
// - no FEAT ("500 'FEAT': command not understood."), no OPTS, no MLSD/MLST:
//   a client must assume the RFC 959 defaults; SIZE, MDTM, REST, EPSV and EPRT
//   work all the same (HELP lists them);
// - REST is forgotten on any command but the transfer, as by inetutils:
//   "REST 10, EPSV, RETR" sends from byte 0 (350 promised otherwise);
// - the 150 of RETR names the size: "150 Opening BINARY mode data connection
//   for '/path' (20 bytes)." (the whole file's, REST or not);
// - SIZE and MDTM of a folder: "550 /: not a plain file.";
// - the 230 after login is multi-line (it carries /etc/motd);
// - no command log (syslog only), no way to refuse a data method, no client limit.
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, unpackedServers } from './binaries.js';
import { inetdFtpdDriver } from './inetdFtpd.js';
import type { ServerContext } from './driver.js';

const PACKAGE = join(unpackedServers, 'netkit-ftpd');

/** The package's /etc/pam.d/ftp (pam_listfile on /etc/ftpusers, pam_ftp, then common-auth/account/session). */
const PAM_FTP_FALLBACK = `auth required pam_listfile.so item=user sense=deny file=/etc/ftpusers onerr=succeed
auth sufficient pam_ftp.so
@include common-auth
@include common-account
@include common-session
`;

function pamCopy(context: ServerContext): [string, string] {
  const copy = join(context.conf, 'pam.d');
  cpSync('/etc/pam.d', copy, { recursive: true });
  const shipped = join(PACKAGE, 'etc/pam.d/ftp');
  if (existsSync(shipped)) cpSync(shipped, join(copy, 'ftp'));
  else writeFileSync(join(copy, 'ftp'), PAM_FTP_FALLBACK, { mode: 0o644 });
  return [copy, '/etc/pam.d'];
}

export const netkitFtpdDriver = inetdFtpdDriver({
  kind: 'netkit-ftpd',
  label: 'netkit ftpd',
  daemon: () => findExecutable([join(PACKAGE, 'usr/sbin/in.ftpd')]),
  args: ['-z', 'nossl'],
  binds: (context) => [pamCopy(context)],
});
