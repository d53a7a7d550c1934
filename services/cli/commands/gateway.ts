/**
 * @module services/cli/commands/gateway
 * `mpc gateway --config <file>`: runs the HTTP gateway service until SIGINT or SIGTERM. The
 * config file is JSON (services/gateway/gateway-config: `apiKeysFile` is required, everything
 * else has a default); `--port` and `--host` override it.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { loadServiceConfig } from '../../gateway/gateway-config.js';
import { createGatewayContainer, GatewayService } from '../../gateway/composition-root.js';

const HELP = `usage: mpc gateway --config <file.json> [--host <h>] [--port <p>]
  config fields: apiKeysFile (required), host, port, nats {servers, credentialsFile}, coordinatorTimeoutMs, bodyLimit,
  publishBodyLimit, heSessionBodyLimit, rateLimitMax, rateLimitWindowMs, signatureSkewMs, requestTimeoutMs,
  sseHeartbeatMs, logLevel (see docs/api.md)
`;

/** Runs `mpc gateway`. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!v.config) throw new UsageError('--config <file.json> is required');
  let config;
  try {
    config = await loadServiceConfig(v.config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (v.host !== undefined) config.host = v.host;
  if (v.port !== undefined) {
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected 0..65535, got ${v.port}`);
    config.port = port;
  }
  const container = await createGatewayContainer(config);
  const service = container.resolve(GatewayService);
  const address = await service.start();
  process.stdout.write(`mpc gateway: listening on ${address} (OpenAPI at ${address}/docs)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await service.stop();
  return 0;
}
