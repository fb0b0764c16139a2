// A ServerInstance backed by a server binary running as a child process.
import type { ServerInstance } from './driver.js';
import { ServerProcess } from './processes.js';
import { waitForGreeting } from './waitForGreeting.js';

export interface SpawnedServerSpec {
  readonly label: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly port: number;
  /** Working directory: the server's conf/ folder. */
  readonly cwd: string;
  /** Set for implicit FTPS: the greeting probe must speak TLS. */
  readonly implicitTlsCa?: string;
  readonly commandLog?: () => Promise<string[]>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class SpawnedServer implements ServerInstance {
  readonly #spec: SpawnedServerSpec;
  #process: ServerProcess | undefined;

  constructor(spec: SpawnedServerSpec) {
    this.#spec = spec;
  }

  async start(): Promise<void> {
    const spec = this.#spec;
    const child = ServerProcess.spawn(spec.label, spec.binary, spec.args, spec.cwd);
    this.#process = child;
    try {
      await waitForGreeting({
        port: spec.port,
        ...(spec.implicitTlsCa === undefined ? {} : { implicitTlsCa: spec.implicitTlsCa }),
        failed: () => (child.running ? undefined : `${spec.label} exited during startup: ${child.output().trim()}`),
      });
      // Let the probe's session process end, so it never counts against maxClients.
      for (let waited = 0; child.pids().length > 1 && waited < 2_000; waited += 5) await sleep(5);
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.#process?.stop();
    this.#process = undefined;
  }

  commandLog(): Promise<string[]> {
    return this.#spec.commandLog?.() ?? Promise.resolve([]);
  }

  processIds(): number[] {
    return this.#process?.pids() ?? [];
  }
}
