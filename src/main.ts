/**
 * The composition root and the only module that touches `process`:
 * configuration from the environment → logger → gateway on a listener →
 * graceful shutdown on SIGTERM/SIGINT.
 *
 * Exit codes: 0 after a clean shutdown; 1 on bad configuration (one line on
 * stderr: `ftp-gateway: <setting>: <problem>`), on a failure to start, or
 * when shutdown does not finish.
 */
import { ConfigError, loadConfig } from './config/index.js';
import type { Config } from './config/index.js';

/** Beyond the grace period, how long closing the FTP sessions may take before we give up. */
const SHUTDOWN_SLACK_MS = 15_000;
/**
 * A second signal this soon after the first is the same Ctrl-C delivered
 * twice (the terminal signals the whole process group, and `npm start` or
 * tsx also relay it to us); only a later one means "stop waiting".
 */
const REPEAT_SIGNAL_MS = 2_000;

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`ftp-gateway: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }

  // Loaded only once the configuration is known to be good (see startGateway).
  const { configSecrets, createLogger, scrubSecrets } = await import('./observability/logging.js');
  const { startGateway } = await import('./server.js');
  const logger = createLogger(config.logLevel, undefined, { secrets: configSecrets(config) });

  let running: Awaited<ReturnType<typeof startGateway>>;
  try {
    running = await startGateway(config, logger);
  } catch (error) {
    // e.g. "listen EADDRINUSE: address already in use 127.0.0.1:8080"
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    logger.fatal({ err: error }, 'could not start');
    process.stderr.write(`ftp-gateway: cannot start: ${scrubSecrets(reason ?? '')}\n`);
    process.exit(1);
  }

  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEAT_SIGNAL_MS) return;
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, config.shutdownGraceMs + SHUTDOWN_SLACK_MS).unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

await main();
