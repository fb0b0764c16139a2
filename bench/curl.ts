/**
 * curl as the client for every large transfer, through the gateway and
 * directly: the same program on both sides, so the ratio shows what the
 * gateway costs. `-w` reports the sizes and times curl itself measured.
 */
import { runCommand } from './processes.js';

export interface CurlSample {
  /** HTTP status, or the last FTP reply code. */
  code: number;
  bytesDown: number;
  bytesUp: number;
  /** Seconds to the first byte of the body (FTP: of the data). */
  ttfb: number;
  seconds: number;
  /** Transferred bytes per second / 1e6 (download or upload, whichever moved). */
  mbps: number;
  headers: string;
}

const WRITE_OUT = '\\n@@curl %{response_code} %{size_download} %{size_upload} %{time_starttransfer} %{time_total}\\n';

/**
 * Runs one curl transfer; throws (a measurement error) when curl fails or
 * the status is not one of `expect`.
 */
export async function curlTransfer(args: readonly string[], expect: readonly number[], label: string): Promise<CurlSample> {
  const result = await runCommand('curl', ['-sS', '--noproxy', '*', '-o', '/dev/null', '-D', '-', '-w', WRITE_OUT, ...args]);
  const match = /@@curl (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)/.exec(result.stdout);
  if (result.code !== 0 || !match) {
    throw new Error(`${label}: curl exited ${result.code}: ${result.stderr.trim().slice(0, 300)}`);
  }
  const [, code, down, up, ttfb, total] = match.map(Number) as [number, number, number, number, number, number];
  if (!expect.includes(code)) throw new Error(`${label}: status ${code}, expected ${expect.join('/')}`);
  const bytes = Math.max(down, up);
  return {
    code,
    bytesDown: down,
    bytesUp: up,
    ttfb,
    seconds: total,
    mbps: bytes / total / 1e6,
    headers: result.stdout.slice(0, match.index),
  };
}

/** ftp://user:pass@host:port/path (credentials stay inside the process arguments of a loopback test). */
export function ftpUrl(base: { host: string; port: number; user: string; password: string }, path: string): string {
  return `ftp://${encodeURIComponent(base.user)}:${encodeURIComponent(base.password)}@${base.host}:${base.port}/${path}`;
}
