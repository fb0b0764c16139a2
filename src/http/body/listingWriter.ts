import type { Response } from 'express';
import type { FtpEntry } from '../../ftp/index.js';

/** One entry of `GET …/dirs/{path}` (contract: `entries[]`). */
export interface DirectoryEntry {
  name: string;
  type: FtpEntry['type'];
  size: number | null;
  modifiedAt: string | null;
  /** Only with a modifiedAt. */
  modifiedAtPrecision?: NonNullable<FtpEntry['modifiedAtPrecision']>;
  /** Only on entries read from a line no listing dialect understood. */
  raw?: string;
}

export function directoryEntry(e: FtpEntry): DirectoryEntry {
  const modifiedAt = e.modifiedAt !== null && !Number.isNaN(e.modifiedAt.getTime()) ? e.modifiedAt.toISOString() : null;
  const out: DirectoryEntry = { name: e.name, type: e.type, size: e.size, modifiedAt };
  if (modifiedAt !== null && e.modifiedAtPrecision !== undefined) out.modifiedAtPrecision = e.modifiedAtPrecision;
  if (e.raw !== undefined) out.raw = e.raw;
  return out;
}

/**
 * `JSON.stringify(directoryEntry(e))`, written out: the same text without the
 * object in between, at about half the cost (a large listing has hundreds of
 * thousands of entries). Only strings from the server go through
 * JSON.stringify; every other field is a number, null or a fixed word.
 */
export function entryJson(e: FtpEntry): string {
  const at = e.modifiedAt;
  const modifiedAt = at !== null && !Number.isNaN(at.getTime()) ? at.toISOString() : null;
  const size = e.size !== null && Number.isFinite(e.size) ? e.size : null;
  let json = `{"name":${JSON.stringify(e.name)},"type":"${e.type}","size":${size},"modifiedAt":`;
  json += modifiedAt === null ? 'null' : `"${modifiedAt}"`;
  if (modifiedAt !== null && e.modifiedAtPrecision !== undefined) json += `,"modifiedAtPrecision":"${e.modifiedAtPrecision}"`;
  if (e.raw !== undefined) json += `,"raw":${JSON.stringify(e.raw)}`;
  return `${json}}`;
}

/** "." and ".." are never listed; an empty name names nothing. */
export function isListable(e: FtpEntry): boolean {
  return e.name !== '.' && e.name !== '..' && e.name !== '';
}

/**
 * Writes `{ "path": …, "entries": [ … ] }` into the response as entries come,
 * so the body never exists whole in memory. Nothing is sent before the first
 * entries (or the end): an error until then still gets a problem+json
 * answer. After that an error must destroy the response; the closing `]}`
 * is written only by end(), so a cut body is never valid JSON.
 *
 * write() resolves once the response can take more (backpressure); it
 * rejects when the response closed first.
 */
export class ListingWriter {
  readonly #res: Response;
  readonly #path: string;
  #started = false;
  #count = 0;

  constructor(res: Response, path: string) {
    this.#res = res;
    this.#path = path;
  }

  /** True once the status line and part of the body may have gone out. */
  get started(): boolean {
    return this.#started;
  }

  write(entries: readonly FtpEntry[]): Promise<void> {
    return this.writeJson(entries.filter(isListable).map(entryJson));
  }

  /** Entries already in their JSON form (entryJson). */
  async writeJson(entries: readonly string[]): Promise<void> {
    let text = this.#started ? '' : this.#start();
    for (const json of entries) text += (this.#count++ === 0 ? '' : ',') + json;
    if (text !== '' && !this.#res.write(text)) await drained(this.#res);
  }

  end(): void {
    this.#res.end(`${this.#started ? '' : this.#start()}]}`);
  }

  #start(): string {
    this.#started = true;
    this.#res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
    return `{"path":${JSON.stringify(this.#path)},"entries":[`;
  }
}

function drained(res: Response): Promise<void> {
  if (res.destroyed) return Promise.reject(new Error('response closed'));
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onClose = (): void => settle(new Error('response closed'));
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
