/**
 * @module services/cli/commands/coordinator
 * `mpc coordinator --config <file>`: runs the coordinator until SIGINT or SIGTERM. With
 * `"audit": "jetstream"` in the config, job and service events go to the Merkle audit log, a
 * checkpoint is signed within about a second of new entries (and a last one on shutdown, before
 * the log is closed), and auditors read the log through the coordinator's audit methods. With
 * `"audit": "memory"` the same signed Merkle log is kept in this process (not durable).
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { loadCoordinatorConfig } from '../../coordinator/coordinator-config.js';
import { CoordinatorService } from '../../coordinator/coordinator-service.js';
import { AuditLog } from '../../audit/audit-log.js';
import { ModelRegistry } from '../../coordinator/models/model-registry.js';
import { JobBook } from '../../coordinator/jobs/job-book.js';
import { MemoryMerkleLog } from '../../coordinator/audit/audit-memory-log.js';

/** Runs the coordinator command. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: mpc coordinator --config <coordinator.json>\n');
    return 0;
  }
  if (!values.config) throw new UsageError('--config <file> is required');
  const cfg = loadCoordinatorConfig(values.config);
  const origin = cfg.settings.id ?? 'coordinator';
  const svc = await CoordinatorService.start({
    nats: cfg.nats,
    identity: cfg.identity,
    trusted: cfg.trusted,
    gateways: cfg.gateways,
    settings: cfg.settings,
    // With JetStream, the audit log, the model catalogue and the job book live in the broker's replicated store.
    ...(cfg.audit === 'jetstream'
      ? {
          audit: async (nc) => await AuditLog.open(nc.jetstream(), { signer: { origin, secretKey: cfg.identity.signing.secretKey } }),
          models: async (nc) => await ModelRegistry.withKv(nc.jetstream(), { onPersistError: (e) => process.stderr.write(`model catalogue write failed: ${String(e)}\n`) }),
          jobs: async (nc) => await JobBook.withKv(nc.jetstream(), { onPersistError: (e) => process.stderr.write(`job book write failed: ${String(e)}\n`) }),
        }
      : // Without JetStream the log lives in this process: verifiable through the API, not durable.
        { audit: new MemoryMerkleLog({ origin, secretKey: cfg.identity.signing.secretKey }) }),
    auditCheckpoints: { everyMs: 1000, onError: (e: unknown) => process.stderr.write(`audit checkpoint failed: ${String(e)}\n`) },
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await svc.stop();
  return 0;
}
