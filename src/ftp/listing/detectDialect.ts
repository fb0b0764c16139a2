import type { FtpListingDialect } from './ftpListingDialect.js';
import { dosListDialect } from './parseDosList.js';
import { enterpriseUnixListDialect } from './parseEnterpriseUnixList.js';
import { jesListDialect } from './parseJesList.js';
import { macOsPeterListDialect } from './parseMacOsPeterList.js';
import { parseMlsxLine } from './parseMlsd.js';
import { mvsListDialect } from './parseMvsList.js';
import { mvsPdsListDialect } from './parseMvsPdsList.js';
import { netwareListDialect } from './parseNetwareList.js';
import { os2ListDialect } from './parseOs2List.js';
import { os400ListDialect } from './parseOs400List.js';
import { unixListDialect } from './parseUnixList.js';
import { vmsListDialect } from './parseVmsList.js';

/**
 * RFC 3659 fact lines answering LIST (a few servers do): read with the MLSD
 * parser, but sniffed only on lines naming a fact every server sends, so
 * that "a=b c" garbage stays garbage.
 */
const mlsxListDialect: FtpListingDialect = {
  name: 'mlsd',
  testLine: (line) =>
    line.indexOf('=') > 0 &&
    line.indexOf('=') < line.indexOf(' ') &&
    /^(?:[^\s;=]+=[^\s;]*;)+ /.test(line) &&
    /(?:^|;)(?:type|size|modify)=/i.test(line) &&
    parseMlsxLine(line) !== undefined,
  parseLine: (line) => parseMlsxLine(line),
};

/**
 * Every LIST dialect, in the order lines are sniffed when neither the server
 * (SYST) nor an earlier listing says which to try first: the strictest
 * first where two could read one line (a MacOS Peter line reads as Unix
 * too), and the ones that accept the widest lines last.
 */
export const listDialects: readonly FtpListingDialect[] = [
  macOsPeterListDialect,
  unixListDialect,
  dosListDialect,
  netwareListDialect,
  enterpriseUnixListDialect,
  os2ListDialect,
  os400ListDialect,
  vmsListDialect,
  mvsListDialect,
  mvsPdsListDialect,
  jesListDialect,
  mlsxListDialect,
];

/**
 * The dialects a SYST reply (RFC 959 §4.1.3; `215 <system type> ...`) points
 * to, most likely first, as Apache Commons Net's
 * DefaultFTPFileEntryParserFactory reads it: a case-insensitive search for
 * the system's name. IIS and OS/400 may also be set to speak `ls -l`, and
 * z/OS lists its UNIX directories so: Unix follows them. Empty when the
 * reply names no system these dialects know.
 */
export function systemDialects(system: string): readonly string[] {
  const s = system.toUpperCase();
  if (s.includes('MACOS PETER')) return ['macos-peter', 'unix'];
  if (s.includes('NETWARE')) return ['netware'];
  if (s.includes('OS/400') || s.includes('AS/400')) return ['os400', 'unix'];
  if (s.includes('OS/2')) return ['os2'];
  if (s.includes('MVS') || s.includes('Z/OS')) return ['mvs', 'mvs-pds', 'jes', 'unix'];
  if (s.includes('VMS')) return ['vms'];
  if (s.includes('WINDOWS')) return ['windows', 'unix'];
  if (s.includes('UNIX') || s.includes('L8')) return ['unix'];
  return [];
}

/**
 * The order to sniff a new listing in: the dialect this server's last
 * listing was in, then those its SYST reply names, then every other.
 */
export function dialectOrder(remembered?: string, system?: string): readonly FtpListingDialect[] {
  const first = [remembered, ...(system === undefined ? [] : systemDialects(system))];
  const preferred = first.flatMap((name) => listDialects.filter((d) => d.name === name));
  if (preferred.length === 0) return listDialects;
  return [...new Set([...preferred, ...listDialects])];
}
