import type { FtpEntry, FtpEntryType } from '../types.js';
import type { FtpListingLineResult } from './ftpListingDialect.js';
import { utcDate } from './utcDate.js';

/**
 * MLSD / MLST fact lines, RFC 3659 §7:
 *
 *   entry = [facts] SP pathname
 *   facts = 1*( fact ";" )
 *   fact  = factname "=" value
 *
 * Fact values never contain SP or ";" (§7.1), so the facts end at the first
 * space and everything after it is the name, which may itself hold spaces,
 * ";" or "=". Samples:
 *
 *   pure-ftpd 1.0.50: type=file;size=12;modify=20261125120738;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g20c231; hello.txt
 *                     type=cdir;sizd=4096;modify=20261125120738;UNIX.mode=0755;...; .
 *                     type=OS.unix=slink:;size=9;...; link          (an empty target)
 *                     type=file;size=1;...;  leading space.txt       (two spaces: the name starts with one)
 *   proftpd 1.3.8:    modify=20261125120738;perm=adfrw;size=12;type=file;unique=FE00U20C206;UNIX.group=995;...; hello.txt
 *                     modify=...;perm=adfrw;size=9;type=OS.unix=symlink;...; link
 *                     type=OS.unix=slink:/srv/a.txt;... link       (with FactsOptions UseSlink)
 *
 * Decisions:
 *   - `cdir`/`pdir` (the listed folder and its parent) name no child: a
 *     listing drops them (`null`); MLST, which describes the path itself, reads
 *     them as directories.
 *   - Sizes are reported for files and unknown types only. A directory's size
 *     (pure-ftpd's `sizd`, or `size` on some servers) is the size of the
 *     directory inode, which means nothing to a caller and differs per server;
 *     a symlink's own size is the length of its target text. Both are `null`.
 *   - `modify` is UTC by definition (§2.3): YYYYMMDDHHMMSS[.sss].
 */

/** Parses one MLSD line. See `FtpListingLineResult` for the three outcomes. */
export function parseMlsxLine(line: string): FtpListingLineResult {
  const parsed = parseFacts(line);
  if (!parsed) return undefined;
  if (parsed.rawType === 'cdir' || parsed.rawType === 'pdir') return null;
  return parsed.entry;
}

/**
 * Reads the entry from an MLST reply (RFC 3659 §7.2): the fact line sits
 * inside the 250 multi-line reply, indented by one space.
 *
 *   proftpd:   250-Start of list for hello.txt
 *               modify=20261125120738;perm=adfrw;size=12;type=file;...; /hello.txt
 *              250 End of list
 *   pure-ftpd: 250-Begin
 *               type=pdir;sizd=4096;...; /        (MLST / says pdir)
 *              250 End.
 *
 * `text` is the reply message (lines joined by "\n", codes kept). The name is
 * the pathname as the server sent it. Undefined when no fact line is found.
 */
export function parseMlstReply(text: string): FtpEntry | undefined {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // The RFC's indented line first; then, for servers that forget the indent,
  // any line that is not a "ddd-"/"ddd " reply line.
  const candidates = [
    ...lines.filter((l) => l.startsWith(' ')).map((l) => l.slice(1)),
    ...lines.filter((l) => !l.startsWith(' ') && !/^\d{3}([ -]|$)/.test(l)),
  ];
  for (const candidate of candidates) {
    const parsed = parseFacts(candidate);
    if (!parsed) continue;
    if (parsed.rawType === 'cdir' || parsed.rawType === 'pdir') {
      return { ...parsed.entry, type: 'directory', size: null };
    }
    return parsed.entry;
  }
  return undefined;
}

/**
 * RFC 3659 §2.3 time-val: YYYYMMDDHHMMSS[.sss], always UTC. Shared with the
 * MDTM reply ("213 20230102030405"). Null when malformed or out of range.
 */
export function parseMlsxTimestamp(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?$/.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  return utcDate(year, month, day, hour, minute, second, ms);
}

interface ParsedFacts {
  entry: FtpEntry;
  /** The `type` fact lower-cased, '' when absent. */
  rawType: string;
}

function parseFacts(line: string): ParsedFacts | undefined {
  const space = line.indexOf(' ');
  if (space < 0) return undefined;
  const name = line.slice(space + 1);
  if (name === '') return undefined;
  const facts = new Map<string, string>();
  for (const fact of line.slice(0, space).split(';')) {
    if (fact === '') continue;
    const eq = fact.indexOf('=');
    // "name=value"; the factname is never empty. The value may hold "=", as in
    // "type=OS.unix=slink:/target".
    if (eq <= 0) return undefined;
    facts.set(fact.slice(0, eq).toLowerCase(), fact.slice(eq + 1));
  }
  // A line with no facts at all (" name") is valid MLSD but also what any
  // text with a leading space looks like; require at least one fact.
  if (facts.size === 0) return undefined;

  const typeFact = facts.get('type') ?? '';
  const rawType = typeFact.toLowerCase();
  let type: FtpEntryType;
  let target: string | undefined;
  if (rawType === 'file') type = 'file';
  else if (rawType === 'dir' || rawType === 'cdir' || rawType === 'pdir') type = 'directory';
  else if (rawType === 'os.unix=symlink') type = 'symlink';
  else if (rawType.startsWith('os.unix=slink')) {
    type = 'symlink';
    // "OS.unix=slink:/target"; the target keeps its case.
    const colon = typeFact.indexOf(':');
    if (colon >= 0 && colon < typeFact.length - 1) target = typeFact.slice(colon + 1);
  } else type = 'unknown';

  const sizeFact = facts.get('size');
  const size = (type === 'file' || type === 'unknown') && sizeFact !== undefined && /^\d+$/.test(sizeFact) ? Number(sizeFact) : null;
  const modifyFact = facts.get('modify');
  const entry: FtpEntry = {
    name,
    type,
    size,
    modifiedAt: modifyFact === undefined ? null : parseMlsxTimestamp(modifyFact),
  };
  // §2.3: time-val has whole seconds at least (fractions are optional and rare).
  if (entry.modifiedAt) entry.modifiedAtPrecision = 'second';
  if (target !== undefined) entry.target = target;
  return { entry, rawType };
}
