/**
 * Starts the gateway on an HTTP listener: the part main.ts, the demo and the
 * test harnesses share, so what the tests exercise is built as production
 * builds it. Process concerns (env, signals, exit codes) stay in main.ts.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { Gateway, GatewayOptions } from './http/index.js';
import { shutdown } from './shutdown.js';
import type { ShutdownResult } from './shutdown.js';

export interface RunningGateway {
  server: Server;
  gateway: Gateway;
  /** `http://host:port` as bound (the real port when config.port is 0). */
  url: string;
  port: number;
  /** The graceful shutdown sequence (src/shutdown.ts) with config.shutdownGraceMs. */
  stop(): Promise<ShutdownResult>;
}

/** `options` are the test seams of createGateway (an injected session factory, a shorter readiness wait). */
export async function startGateway(config: Config, logger: Logger, options: GatewayOptions = {}): Promise<RunningGateway> {
  // Imported here rather than at the top so that a bad configuration is
  // reported before the HTTP layer (and everything it pulls in) loads.
  const { createGateway, createHttpServer } = await import('./http/index.js');
  const { kernelRelay } = await import('./relay/index.js');
  const gateway = await createGateway(config, logger, options);

  const server = createHttpServer(gateway.app);
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await gateway.close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info(
    {
      url,
      servers: config.servers.map((s) => s.name),
      auth: config.auth.disabled || config.auth.apiKeys.length === 0 ? 'none' : 'api-key',
      // Large binary downloads spliced in the kernel (src/relay, native/), or streamed through Node.
      kernelRelay: kernelRelay.enabled,
    },
    'ftp-gateway ready',
  );

  return {
    server,
    gateway,
    url,
    port: address.port,
    stop: () => shutdown(server, gateway, { graceMs: config.shutdownGraceMs, logger }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
