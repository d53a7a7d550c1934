/**
 * @module services/gateway/composition-root
 * The gateway service's composition root (tsyringe): the NATS connection, the coordinator
 * client, the API key store, the clock and the audit sink are registered here and nowhere else;
 * {@link GatewayService} receives them by token and builds the app with {@link buildGateway}.
 */
import 'reflect-metadata';
import { container, inject, injectable, type DependencyContainer } from 'tsyringe';
import type { NatsConnection } from 'nats';
import { connectService } from '../transport/nats-connection.js';
import type { FastifyInstance } from 'fastify';
import { ApiKeyStore } from './api-key-store.js';
import { CoordinatorAuditSink } from './audit-sink.js';
import { NatsCoordinatorClient, type CoordinatorClient } from './coordinator-client.js';
import type { GatewayServiceConfig } from './gateway-config.js';
import { buildGateway } from './build-gateway.js';
import { readIdentityFile } from '../../crypto-core/keys/key-file.js';

/** Injection tokens of the gateway. */
export const GATEWAY_TOKENS = {
  config: Symbol('GatewayServiceConfig'),
  nats: Symbol('NatsConnection'),
  coordinator: Symbol('CoordinatorClient'),
  keys: Symbol('ApiKeyStore'),
  clock: Symbol('Clock'),
  audit: Symbol('AuditSink'),
} as const;

/** The running gateway: the app and the NATS connection it owns. */
@injectable()
export class GatewayService {
  #app: FastifyInstance | undefined;

  constructor(
    @inject(GATEWAY_TOKENS.config) private readonly config: GatewayServiceConfig,
    @inject(GATEWAY_TOKENS.nats) private readonly nc: NatsConnection,
    @inject(GATEWAY_TOKENS.coordinator) private readonly coordinator: CoordinatorClient,
    @inject(GATEWAY_TOKENS.keys) private readonly keys: ApiKeyStore,
    @inject(GATEWAY_TOKENS.clock) private readonly clock: () => number,
    @inject(GATEWAY_TOKENS.audit) private readonly audit: CoordinatorAuditSink,
  ) {}

  /** Builds the app and listens; resolves with the bound address (`http://host:port`). */
  async start(): Promise<string> {
    const logger = this.config.logLevel === 'silent' ? false : { level: this.config.logLevel };
    this.#app = await buildGateway({ coordinator: this.coordinator, keys: this.keys, audit: this.audit.record, clock: this.clock, config: this.config, logger });
    return this.#app.listen({ host: this.config.host, port: this.config.port });
  }

  /** Stops serving, waits for denials still being recorded, then drains the NATS connection. */
  async stop(): Promise<void> {
    await this.#app?.close();
    await this.audit.flush();
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

/**
 * A child container with every gateway dependency registered for `config`: connects to NATS,
 * loads the key file. The caller resolves {@link GatewayService} from it.
 */
export async function createGatewayContainer(config: GatewayServiceConfig, parent: DependencyContainer = container): Promise<DependencyContainer> {
  const keys = await ApiKeyStore.fromFile(config.apiKeysFile);
  const nc = await connectService(config.nats, 'mpc-gateway');
  // The key that signs the principal envelope of every coordinator request.
  const signer = config.identityFile ? { id: config.id ?? 'gateway', secretKey: readIdentityFile(config.identityFile).signing.secretKey } : undefined;
  if (!signer) process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'no identityFile: coordinator requests go unsigned and only readiness and the registry are answered' })}\n`);
  const coordinator = new NatsCoordinatorClient(nc, config.coordinatorTimeoutMs, signer);
  const c = parent.createChildContainer();
  c.register(GATEWAY_TOKENS.config, { useValue: config });
  c.register(GATEWAY_TOKENS.nats, { useValue: nc });
  c.register(GATEWAY_TOKENS.coordinator, { useValue: coordinator });
  c.register(GATEWAY_TOKENS.keys, { useValue: keys });
  c.register(GATEWAY_TOKENS.clock, { useValue: () => Date.now() });
  c.register(GATEWAY_TOKENS.audit, {
    useValue: new CoordinatorAuditSink(coordinator, (err, event) =>
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'audit denial not recorded', reason: event.reason, requestId: event.requestId, err: String(err) })}\n`),
    ),
  });
  c.register(GatewayService, { useClass: GatewayService });
  return c;
}
