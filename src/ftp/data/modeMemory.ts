import type { FtpDataMethod, FtpModeMemory } from '../types.js';

/** A per-server memory of the data method that worked last, shared by its sessions. */
export function createModeMemory(initial?: FtpDataMethod): FtpModeMemory {
  let current = initial;
  return {
    get: () => current,
    set: (method) => {
      current = method;
    },
  };
}
