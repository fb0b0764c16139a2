import type { RootConfig } from '../config/index.js';

/**
 * Absolute FTP paths from a configured root and checked segments (the HTTP
 * layer checks segments against the contract's path rules before they get
 * here). Paths given to a session are always absolute, so its working
 * directory never matters.
 */

/** Normalise a configured root: absolute, no trailing slash (except "/"). */
export function normaliseRoot(root: string): string {
  // Already normal (every configured root once checked, every login directory): no split and join per request.
  if (root === '/' || (root.startsWith('/') && !root.endsWith('/') && !root.includes('//'))) return root;
  const parts = root.split('/').filter((p) => p !== '');
  return parts.length === 0 ? '/' : `/${parts.join('/')}`;
}

/** The absolute FTP path of checked segments under a root. */
export function joinRoot(root: string, segments: readonly string[]): string {
  const base = normaliseRoot(root);
  if (segments.length === 0) return base;
  return base === '/' ? `/${segments.join('/')}` : `${base}/${segments.join('/')}`;
}

/**
 * The absolute FTP path of a configured root: below "/" or below the login
 * directory (null while no session has told it; then a root relative to it
 * has no absolute path yet). A login directory of "/" makes both the same.
 */
export function resolveRoot(root: RootConfig, loginDirectory: string | null): string | null {
  if (root.relativeTo === '/') return joinRoot('/', root.segments);
  return loginDirectory === null ? null : joinRoot(loginDirectory, root.segments);
}
