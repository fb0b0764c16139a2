/**
 * A glob on names, as a shell reads one: `*` any run of characters, `?` one
 * character, `[abc]` / `[a-z]` / `[!abc]` one of a set. Neither `*` nor `?`
 * matches a leading "." (nor does a set), so `*` skips hidden names: the
 * temporary names of atomic uploads (`.name.xxxx.ftpgw-part`) and a claims
 * folder (`.claims`). A pattern that starts with "." names them on purpose.
 *
 * Anything else is literal, and so is a `[` that is never closed: every
 * pattern compiles, so a caller's pattern cannot fail at run time.
 */
export type NameMatcher = (name: string) => boolean;

export function compileGlob(pattern: string): NameMatcher {
  if (pattern === '*') return (name) => !name.startsWith('.');
  const regex = compile(translate(pattern)) ?? compile([...pattern].map(escapeLiteral).join(''));
  if (regex === null) return (name) => name === pattern;
  const hiddenAllowed = pattern.startsWith('.');
  return (name) => (hiddenAllowed || !name.startsWith('.')) && regex.test(name);
}

/** null for a set the engine refuses (a range such as `[z-a]`): then the pattern is read literally. */
function compile(source: string): RegExp | null {
  try {
    return new RegExp(`^${source}$`, 'su');
  } catch {
    return null;
  }
}

function translate(pattern: string): string {
  let out = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = closingBracket(chars, i);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = chars.slice(i + 1, end);
      let negate = false;
      if (body[0] === '!' || body[0] === '^') {
        negate = true;
        body = body.slice(1);
      }
      // Inside a class only "\", "]" and "^" need escaping ("-" keeps its range meaning).
      const escaped = body.map((ch) => (ch === '\\' || ch === ']' || ch === '^' || ch === '[' ? `\\${ch}` : ch)).join('');
      out += `[${negate ? '^' : ''}${escaped}]`;
      i = end;
    } else out += escapeLiteral(c);
  }
  return out;
}

/** The "]" closing a set that starts at `start`; a "]" right after "[" or "[!" belongs to the set. */
function closingBracket(chars: readonly string[], start: number): number {
  let i = start + 1;
  if (chars[i] === '!' || chars[i] === '^') i++;
  if (chars[i] === ']') i++;
  for (; i < chars.length; i++) if (chars[i] === ']') return i;
  return -1;
}

function escapeLiteral(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}
