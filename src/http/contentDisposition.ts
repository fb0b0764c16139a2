/**
 * `Content-Disposition: attachment` with an ASCII fallback `filename` and the
 * exact name in `filename*` (RFC 6266 §4.3, RFC 8187 encoding). The result
 * never contains CR, LF, `"` or `\` unescaped, whatever the name holds, so no
 * header injection is possible even for names the path rules would allow.
 */
export function contentDisposition(name: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const fallback = asciiFallback(name);
  const exact = encodeRfc8187(name);
  if (fallback === name) return `${type}; filename="${fallback}"`;
  return `${type}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** Printable ASCII except `"` and `\`; anything else becomes `_`. */
function asciiFallback(name: string): string {
  let out = '';
  for (const ch of name) {
    const c = ch.codePointAt(0) ?? 0;
    out += c >= 0x20 && c < 0x7f && ch !== '"' && ch !== '\\' && ch !== '%' ? ch : '_';
  }
  return out === '' ? 'download' : out;
}

/** RFC 8187 §3.2.1 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; all else %XX of UTF-8. */
function encodeRfc8187(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
