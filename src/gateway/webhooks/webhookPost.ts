import { createHmac } from 'node:crypto';

/**
 * One signed POST of a webhook body (contract v1.1 "Events"): the header
 * `X-Ftp-Gateway-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, so
 * the receiver checks the bytes it got before it parses them.
 */
export const SIGNATURE_HEADER = 'X-Ftp-Gateway-Signature';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export type PostOutcome = { ok: true; status: number } | { ok: false; status: number | null; reason: 'status' | 'network' | 'timeout' };

/**
 * Delivered only on a 2xx. A redirect is a failure, not followed: the
 * configured URL is the one that was checked, and the signed body goes
 * nowhere else.
 */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  options: { timeoutMs: number; signal: AbortSignal; headers?: Record<string, string> },
): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'ftp-gateway',
        [SIGNATURE_HEADER]: signature(secret, body),
        ...options.headers,
      },
      body,
      signal: AbortSignal.any([options.signal, timeout]),
    });
    // The answer's body is not read: cancel it so the connection is free.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, reason: 'status' };
  } catch {
    return { ok: false, status: null, reason: timeout.aborted ? 'timeout' : 'network' };
  }
}
