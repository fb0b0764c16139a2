// Skip or fail test suites whose real FTP server is not installed.
//
//   describe('vsftpd', serverSkip('vsftpd'), () => { … });
//
// A missing server skips its suite with a visible warning, unless CI demands
// it through REQUIRE_FTP_SERVERS=vsftpd,pure-ftpd,proftpd,inetutils-ftpd,netkit-ftpd: then the test file
// fails loudly, so a broken install never passes as "all skipped".
import { ALL_SERVER_KINDS, UNCHROOTED_SERVER_KINDS, ftpServerAvailability, type FtpServerKind } from './servers/index.js';

export { ALL_SERVER_KINDS, UNCHROOTED_SERVER_KINDS };
export type { FtpServerKind };

/** Server kinds listed in REQUIRE_FTP_SERVERS (comma-separated). */
export function requiredServerKinds(): Set<string> {
  return new Set(
    (process.env.REQUIRE_FTP_SERVERS ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  );
}

const warned = new Set<FtpServerKind>();

export function serverSkip(kind: FtpServerKind): { skip?: string } {
  const availability = ftpServerAvailability(kind);
  if (availability.available) return {};
  if (requiredServerKinds().has(kind)) {
    throw new Error(`${kind} is required by REQUIRE_FTP_SERVERS but not available: ${availability.reason}`);
  }
  const skip = `${kind} not installed: ${availability.reason}`;
  if (!warned.has(kind)) {
    warned.add(kind);
    console.warn(`WARNING: skipping ${kind} tests: ${skip}`);
  }
  return { skip };
}
