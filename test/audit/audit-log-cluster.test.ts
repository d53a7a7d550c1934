/**
 * The audit log on a three-server JetStream cluster with num_replicas = 3: entries are
 * replicated, appends continue with one server down (quorum 2 of 3), and a coordinator that
 * reopens the log through another server rebuilds the same tree.
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { freePort, NatsServerProcess } from '../../services/cluster/nats-server-process.js';

const key = generateSigningKeyPair();
const signer = { origin: 'cluster.test/audit', secretKey: key.secretKey };
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

/** Opening retries while the cluster elects its JetStream meta leader. */
async function openWithRetry(nc: NatsConnection): Promise<AuditLog> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await AuditLog.open(nc.jetstream(), { signer, replicas: 3 });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('AuditLog on a 3-server JetStream cluster', () => {
  const servers: NatsServerProcess[] = [];
  let nc: NatsConnection;
  beforeAll(async () => {
    const routePorts = [await freePort(), await freePort(), await freePort()];
    const started = await Promise.all(
      routePorts.map((port, i) =>
        NatsServerProcess.start({
          jetstream: true,
          serverName: `n${i + 1}`,
          cluster: { name: 'audit', port, routes: routePorts.filter((p) => p !== port).map((p) => `nats-route://127.0.0.1:${p}`) },
          startTimeoutMs: 20_000,
        }),
      ),
    );
    servers.push(...started);
    nc = await connect({ servers: servers.map((s) => s.url) });
  });
  afterAll(async () => {
    await nc?.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('replicates entries, keeps appending with one server down, and rebuilds elsewhere', async () => {
    const log = await openWithRetry(nc);
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append({ type: 'job.created', actor: 'api-1', jobId: `job-${i}` })));
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('MPC_AUDIT');
    expect(info.config.num_replicas).toBe(3);
    expect(info.cluster?.replicas ?? []).toHaveLength(2);
    await log.checkpoint();

    // Stop a server that leads neither the stream nor holds our connection.
    const leader = info.cluster?.leader;
    const connectedPort = Number(nc.getServer().split(':').pop());
    const victim = servers.findIndex((s, i) => `n${i + 1}` !== leader && s.port !== connectedPort);
    expect(victim).toBeGreaterThanOrEqual(0);
    await servers[victim]!.stop();
    const more = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append({ type: 'job.finished', actor: 'coordinator', jobId: `job-${i}` })));
    expect(more.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i));

    const other = servers.find((s, i) => i !== victim && s.port !== connectedPort) ?? servers.find((_, i) => i !== victim)!;
    const nc2 = await connect({ servers: other.url });
    try {
      const reopened = await AuditLog.open(nc2.jetstream(), { signer, replicas: 3 });
      expect(reopened.size).toBe(300);
      expect(hex(reopened.root())).toBe(hex(log.root()));
    } finally {
      await nc2.close();
    }
  });
});
