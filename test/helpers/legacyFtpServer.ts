// A scripted "legacy" server: the mini FTP server (a real one over a temp
// folder) answering as IIS, z/OS, OS/400 or OpenVMS do, from the transcripts
// in test/fixtures/legacy/*.json (each with a note of where its replies are
// documented). For what no installable server does: 125 for 150, 250 for
// 226, FEAT or SIZE or REST refused with 500, a PWD that is no Unix path, a
// control channel in latin1, SITE commands. Listings use the Unix or DOS
// form; the other dialects are the listing parsers' own fixtures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startMiniFtpServer, type MiniFtpServer, type Persona } from './miniFtpServer.js';

export const LEGACY_SERVERS = ['iis', 'zos', 'os400', 'vms'] as const;
export type LegacyServer = (typeof LEGACY_SERVERS)[number];

export interface Transcript extends Persona {
  /** What it is, in words. */
  server: string;
  /** Where each behaviour is documented. */
  notes: Readonly<Record<string, string>>;
}

export function loadTranscript(name: LegacyServer): Transcript {
  const file = fileURLToPath(new URL(`../fixtures/legacy/${name}.json`, import.meta.url));
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Omit<Transcript, 'greeting'> & { greeting: string[] };
  return { ...raw, greeting: raw.greeting.join('\r\n') };
}

export function startLegacyFtpServer(name: LegacyServer, over: Partial<Persona> = {}): Promise<MiniFtpServer> {
  return startMiniFtpServer({ reading: 'lines', persona: { ...loadTranscript(name), ...over } });
}
