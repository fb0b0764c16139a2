// Assertions on promises for the protocol unit tests: whether a promise has
// settled yet, and that a rejection is the FtpError expected.
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { FtpError } from '../../src/ftp/index.js';

/** Whether `promise` has settled, read after the event loop turned once. */
export function tracked<T>(promise: Promise<T>): { settled(): Promise<boolean> } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return {
    async settled() {
      await turn();
      return done;
    },
  };
}

/** A validator for assert.rejects: an FtpError with this code (and these fields). */
export const isFtpError =
  (code: string, more: Partial<FtpError> = {}) =>
  (err: unknown) => {
    assert.ok(err instanceof FtpError, `expected an FtpError, got ${String(err)}`);
    assert.equal(err.code, code);
    for (const [key, value] of Object.entries(more)) assert.equal(err[key as keyof FtpError], value, key);
    return true;
  };
