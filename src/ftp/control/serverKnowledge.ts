import type { FtpRestMode, FtpServerKnowledge } from '../types.js';

/** One server's learned facts, shared by its sessions (see FtpServerKnowledge). */
export function createServerKnowledge(): FtpServerKnowledge {
  let pipelining: boolean | undefined;
  let probing = false;
  let restMode: FtpRestMode | undefined;
  let system: string | undefined;
  let listingDialect: string | undefined;
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
    get restMode() {
      return restMode;
    },
    learnRestMode(mode) {
      if (restMode === mode) return false;
      restMode = mode;
      return true;
    },
    get system() {
      return system;
    },
    learnSystem(text) {
      system = text;
    },
    get listingDialect() {
      return listingDialect;
    },
    learnListingDialect(name) {
      if (listingDialect === name) return false;
      listingDialect = name;
      return true;
    },
  };
}
