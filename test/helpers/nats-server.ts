/**
 * @module test/helpers/nats-server
 * Starts a real nats-server for a test file on a free loopback port and stops it afterwards.
 */
import { afterAll, beforeAll } from 'vitest';
import { NatsServerProcess, type NatsServerOptions } from '../../services/cluster/nats-server-process.js';

/** Registers beforeAll/afterAll hooks; the returned getter gives the running server. */
export function useNatsServer(opts: NatsServerOptions = {}): () => NatsServerProcess {
  let server: NatsServerProcess | undefined;
  beforeAll(async () => {
    server = await NatsServerProcess.start(opts);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('nats-server not started yet (use inside tests)');
    return server;
  };
}
