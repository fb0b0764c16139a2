// GNU inetutils ftpd 2.4 (Debian bookworm, unpacked into .ftp-servers/): a
// BSD-derived server with a non-chrooted account, like netkit ftpd (netkitFtpd.ts).
//
// An inetd server run per connection under socat (inetdFtpd.ts). Logins go
// through crypt() against /etc/shadow, as the test account.
//
// Quirks (also in the report for issue 12):
// - REST is forgotten on any command other than RETR/STOR/APPE, EPSV and
//   PASV included: "REST 100, EPSV, RETR" sends the file from byte 0;
// - FEAT lists MDTM, SIZE, REST STREAM, EPRT, EPSV, LPRT, LPSV: no MLSD/MLST,
//   no UTF8 (OPTS answers "501 No options are available.");
// - SIZE and MDTM of a folder: "550 …: not a plain file.";
// - LIST is `/bin/ls -lgA` (numeric fields, owner and group names), NLST
//   answers with the path as given (an absolute NLST argument → absolute names);
// - TYPE A converts on download: LF → CRLF, and a stored CRLF becomes CR CR LF;
// - EPRT naming another host: "500 Illegal EPRT Command";
// - the 230 after login is multi-line (it carries /etc/motd);
// - passive ports come from the kernel's ephemeral range (no range option);
// - no TLS, no way to refuse a data method, no client limit, no command log
//   (it logs to syslog only).
import { join } from 'node:path';
import { findExecutable, unpackedServers } from './binaries.js';
import { inetdFtpdDriver } from './inetdFtpd.js';

export const inetutilsFtpdDriver = inetdFtpdDriver({
  kind: 'inetutils-ftpd',
  label: 'inetutils ftpd',
  daemon: () => findExecutable([join(unpackedServers, 'inetutils-ftpd/usr/sbin/ftpd'), '/usr/sbin/inetutils-ftpd']),
  args: [],
});
