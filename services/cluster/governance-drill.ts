/**
 * @module services/cluster/governance-drill
 * The demo's governance story (`mpc demo`, story 4; docs/governance.md "Probes"): a cluster of its
 * own in this process, on a nats-server with JetStream that it starts: a coordinator with a
 * Merkle audit log and three operators' keys, three parties that pin their peers, a standby for
 * slot 1, and a gateway with the web console. Party 1 is made to cheat with the tests' cheating
 * channel (protocols/testing/perturbing-channel: in-process only; no party configuration
 * reaches it). The story: an honest inference; party 1 starts cheating and the next inference
 * aborts; the coordinator's probes seat the standby in each seat, party 1 is proven and
 * quarantined; two other organisations' operators sign the standby's promotion, the model is
 * reshared to it, and the same inference on the new trio gives the same classes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import type { FastifyInstance } from 'fastify';
import { toHex } from '../../crypto-core/encoding.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { PerturbingChannel, type Perturbation } from '../../protocols/testing/perturbing-channel.js';
import { AuditLog } from '../audit/audit-log.js';
import { openQuarantineStore } from '../coordinator/governance/party-quarantine.js';
import { ModelRegistry } from '../coordinator/models/model-registry.js';
import { ApiKeyStore, generateApiKey, hashApiKey } from '../gateway/api-key-store.js';
import { buildGateway } from '../gateway/build-gateway.js';
import { NatsCoordinatorClient } from '../gateway/coordinator-client.js';
import { JobFailedError, MpcClient } from '../sdk/index.js';
import { signMessage } from '../wire/job-messages.js';
import { PROMOTION_DOMAIN, type PromotionDecision } from '../wire/party-governance.js';
import { makeTrustBundle } from '../wire/trust-bundle.js';
import type { ProbeRound } from '../wire/probe-job.js';
import { startInProcessCluster, type InProcessCluster } from './in-process-cluster.js';
import { NatsServerProcess } from './nats-server-process.js';

/** What the drill runs on: the model and inputs (the demo's fixtures). */
export interface GovernanceDrillInput {
  onnx: Uint8Array;
  /** Rows of the model's input, flattened, and their shape. */
  input: { shape: number[]; data: number[] };
  /** Called with the console's URL and an auditor key while the cluster runs; the drill stops it when this resolves. */
  whileRunning?: (consoleUrl: string, auditorKey: string) => Promise<void>;
}

/** Party 1's cheat: 2^36 added to its first message of every matrix product (dense layers, probes). */
const CHEAT: Perturbation[] = [{ tag: /(dense|probe)#\d+\//, occurrence: 0, index: 3, delta: 1n << 36n }];

function argmax(data: Float64Array, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (data[r * cols + c]! > data[r * cols + best]!) best = c;
    out.push(best);
  }
  return out;
}

async function until<T>(what: string, f: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the drill, telling it line by line. @throws Error when a step does not hold. */
export async function governanceDrill(drill: GovernanceDrillInput, say: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-governance-drill-'));
  let server: NatsServerProcess | undefined;
  let cluster: InProcessCluster | undefined;
  let nc: NatsConnection | undefined;
  let app: FastifyInstance | undefined;
  try {
    server = await NatsServerProcess.start({ jetstream: true, storeDir: join(dir, 'js') });
    const ops = ['a', 'b', 'c'].map(() => generateIdentity());
    const operators = ops.map((o, i) => ({ id: `op-${'abc'[i]!}`, organisation: `org-${'abc'[i]!}`, publicKey: toHex(o.signing.publicKey), runs: [`party-${i}`] }));
    let cheating = false;
    const logKey = generateIdentity();
    cluster = await startInProcessCluster({
      nats: { servers: server.url },
      tamper: (i) => (i === 1 ? (channel) => (cheating ? new PerturbingChannel(channel, CHEAT) : channel) : undefined),
      standbys: { slots: [1], parties: { operators, quorum: 2 } },
      coordinator: {
        audit: async (c) => await AuditLog.open(c.jetstream(), { signer: { origin: 'coordinator', secretKey: logKey.signing.secretKey } }),
        models: async (c) => await ModelRegistry.withKv(c.jetstream()),
        quarantines: async (c) => await openQuarantineStore(c.jetstream()),
        witnessCheckpoints: false,
        governance: { recomputeMs: 200, operators },
      },
    });
    const c = cluster;
    await c.ready();
    nc = await connect({ servers: server.url });
    const keys = { owner: generateApiKey('drill-owner'), client: generateApiKey('drill-client'), admin: generateApiKey('drill-admin'), auditor: generateApiKey('drill-auditor') };
    app = await buildGateway({
      coordinator: new NatsCoordinatorClient(nc, 10_000, c.gatewaySigner),
      keys: new ApiKeyStore({
        version: 1,
        keys: [
          { id: 'drill-owner', tenant: 'lab', roles: ['model-owner'], hash: hashApiKey(keys.owner) },
          { id: 'drill-client', tenant: 'clinic', roles: ['client'], hash: hashApiKey(keys.client) },
          { id: 'drill-admin', tenant: 'ops', roles: ['admin'], hash: hashApiKey(keys.admin) },
          { id: 'drill-auditor', tenant: 'ops', roles: ['auditor'], hash: hashApiKey(keys.auditor) },
        ],
      }),
      audit: () => undefined,
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const sdk = (apiKey: string, trust = c.trustBundle): MpcClient => new MpcClient({ gatewayUrl: url, apiKey, trust, pollIntervalMs: 50 });
    say(`a cluster of its own: three parties that pin their peers, standby-1 for slot 1, operators of organisations a, b, c (org-b runs party 1)`);

    const model = await sdk(keys.owner).publishModel(drill.onnx, { mode: 'mpc', name: 'digits-governance', version: '1' });
    const honest = await sdk(keys.client).infer(model.id, drill.input, { security: 'malicious', timeoutMs: 30_000 });
    const classes = argmax(honest.data, 10);
    say(`honest trio party-0, party-1, party-2 (malicious mode): classes ${classes.join(' ')}, job ${honest.job.state}`);

    cheating = true;
    const failed = await sdk(keys.client)
      .infer(model.id, drill.input, { security: 'malicious', timeoutMs: 30_000 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    if (!(failed instanceof JobFailedError) || failed.failureCode !== 'verification-failed') throw new Error(`the cheated inference should fail verification-failed, got ${String(failed)}`);
    say(`party 1 now adds 2^36 to a matrix-product message: inference ${failed.jobId} aborted with verification-failed, no output released`);

    const coordinator = c.coordinator;
    const q = await until('party-1 quarantined', () => coordinator.parts.quarantine!.quarantined.find((r) => r.serviceId === 'party-1'), 60_000);
    const round = (await coordinator.parts.api.call('parties.probe', { principal: { tenant: 'ops', actor: 'drill', roles: ['admin'] }, incident: failed.jobId })) as ProbeRound;
    for (const p of round.probes) say(`  probe with standby-1 in seat ${p.seat} (${p.trio.join(', ')}): ${p.state}`);
    say(`party-1 quarantined: ${q.because}`);

    const standby = publicIdentity(c.identities.standbys[0]!);
    const decide = (k: number): unknown => signMessage<PromotionDecision>(PROMOTION_DOMAIN, { type: 'party-promotion', slot: 1, standbyId: 'standby-1', ...standby, replaces: 'party-1', quarantine: q.id, issuedAt: Date.now() }, ops[k]!.signing);
    const admin = sdk(keys.admin);
    const promoted = await admin.promoteStandby('party-1', 'standby-1', [decide(0), decide(2)]);
    say(`operators ${promoted.signers.join(' and ')} signed standby-1's promotion into slot 1 (every party checks their signatures in each order)`);
    await admin.reshareToStandby('standby-1');
    const resharing = await coordinator.parts.resharing.settled('standby-1');
    if (resharing?.state !== 'done') throw new Error(`resharing to standby-1 ended ${resharing?.state ?? 'unknown'}: ${resharing?.error ?? ''}`);
    say(`the model's shares were reshared to standby-1 with fresh randomness (${resharing.items.length} item${resharing.items.length === 1 ? '' : 's'}); party-1's old shares are useless`);

    const t = c.trustBundle;
    const trust = makeTrustBundle({ deployment: t.deployment, parties: [t.parties[0]!, { id: 'standby-1', ...standby }, t.parties[2]!], coordinator: t.coordinator });
    const after = await sdk(keys.client, trust).infer(model.id, drill.input, { security: 'malicious', timeoutMs: 30_000 });
    const again = argmax(after.data, 10);
    if (again.join() !== classes.join()) throw new Error(`the new trio answered classes ${again.join(' ')}, the honest trio ${classes.join(' ')}`);
    say(`new trio party-0, standby-1, party-2: the same query gives the same classes ${again.join(' ')}, job ${after.job.state}`);
    if (drill.whileRunning) await drill.whileRunning(`${url}/console/`, keys.auditor);
  } finally {
    await app?.close();
    await nc?.drain().catch(() => undefined);
    await cluster?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
