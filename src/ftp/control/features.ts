import type { FtpServerKnowledge } from '../types.js';

/**
 * RFC 2389 §3.2: the FEAT reply lists one feature per line, each indented by
 * one space, between the first and last lines:
 *   211-Features:
 *    MLST type*;size*;modify*;
 *    UTF8
 *   211 End
 * Names are case-insensitive; the map keys are upper case, values the rest.
 */
export function parseFeatures(message: string): Map<string, string> {
  const features = new Map<string, string>();
  const lines = message.split('\n');
  for (const line of lines.slice(1, -1)) {
    const text = line.trim();
    if (text === '' || /^\d{3}[ -]/.test(line)) continue;
    const space = text.indexOf(' ');
    const name = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    features.set(name, space < 0 ? '' : text.slice(space + 1).trim());
  }
  return features;
}

/**
 * What FEAT said, into the server's profile: a 211 lists the features (and
 * whether UTF8 is among them); a refusal (500: no FEAT) lists none; anything
 * else says nothing. (FEAT is no proof of REST either way: see restMode.)
 */
export function learnFromFeat(server: FtpServerKnowledge, code: number, features: ReadonlyMap<string, string>): void {
  if (code !== 211 && code < 500) return;
  server.learn(
    'features',
    [...features].map(([name, value]) => (value === '' ? name : `${name} ${value}`)),
  );
  if (code === 211) server.learn('utf8', features.has('UTF8'));
}
