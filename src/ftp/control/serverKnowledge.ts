import type { FtpServerKnowledge } from '../types.js';

/** The pipelining part of a server's profile (profile/serverProfile.ts holds it). */
export type PipeliningKnowledge = Pick<
  FtpServerKnowledge,
  'pipelining' | 'claimPipeliningProbe' | 'learnPipelining' | 'abandonPipeliningProbe'
>;

/** Whether one server takes pipelined commands, learned once and shared by its sessions (see FtpServerKnowledge). */
export function createPipeliningKnowledge(): PipeliningKnowledge {
  let pipelining: boolean | undefined;
  let probing = false;
  return {
    get pipelining() {
      return pipelining;
    },
    claimPipeliningProbe() {
      if (pipelining !== undefined || probing) return false;
      probing = true;
      return true;
    },
    learnPipelining(supported) {
      probing = false;
      if (pipelining === supported) return false;
      // Once a server has been seen not to take it, a later success proves
      // little (another node behind the same address may not): stay safe.
      if (pipelining === false) return false;
      pipelining = supported;
      return true;
    },
    abandonPipeliningProbe() {
      probing = false;
    },
  };
}
