/**
 * Issue 16's end-to-end governance test, over a real nats-server (JetStream audit log, KV
 * quarantine and resharing records) with the in-process cluster of three parties and a standby
 * for slot 1 behind a real gateway; every party pins its peers and checks promotions against
 * the operators' keys; no audit entry is written by the test:
 *
 * 1. party 1 cheats in malicious mode (it adds 2^36 to its first matrix-product message of every
 *    job): the client's inference aborts with `verification-failed`, no output released;
 * 2. the coordinator probes the incident on its own: the standby takes each seat of the trio in
 *    turn; party 1 cheats in the probes it sits in, the probe without it verifies;
 * 3. the incidents' culprit sets meet in party 1 alone: it is proven and quarantined, the
 *    `party.quarantined` entry names the evidence; no honest party (nor the standby) is;
 * 4. `mpc audit reputation --json` over an export prints the service's report byte for byte;
 * 5. operators of the two other organisations sign the standby's promotion (through the
 *    gateway), the model's shares are reshared to it, and the same inference, by a client that
 *    pins the new trio, gives the same answer as before the cheating (same classes, outputs within
 *    the model's error bound of the first answer and of onnxruntime's).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto-core/encoding.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { writeAuditExport } from '../../services/audit/export-files.js';
import { entryDigest, type ReputationReport } from '../../services/audit/reputation.js';
import { run as reputationCli } from '../../services/cli/commands/audit-reputation.js';
import { openQuarantineStore } from '../../services/coordinator/governance/party-quarantine.js';
import { ModelRegistry } from '../../services/coordinator/models/model-registry.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { JobFailedError, MpcClient } from '../../services/sdk/index.js';
import { signMessage } from '../../services/wire/job-messages.js';
import { PROMOTION_DOMAIN, type PromotionDecision } from '../../services/wire/party-governance.js';
import { makeTrustBundle } from '../../services/wire/trust-bundle.js';
import type { Principal } from '../../services/wire/api.js';
import { PerturbingChannel, type Perturbation } from '../../protocols/testing/perturbing-channel.js';
import { readF32 } from '../helpers/read-f32.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { argmaxRows } from '../onnx/load-fixture.js';
import { runOrt } from '../onnx/zoo-fixture.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const ROWS = 4;
const X = readF32('test/fixtures/data/digits_test.f32').subarray(0, 64 * ROWS);
const ADMIN: Principal = { tenant: 'ops', actor: 'admin', roles: ['admin'] };
/** The documented bound of the digits MLP's secure outputs against the float model (docs/protocols-inference.md). */
const BOUND = 5e-3;

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a cheater caught, proven, quarantined and replaced by a standby, the same answer after', () => {
  const nats = useNatsServer({ jetstream: true });
  let gw: RealGatewayCluster;
  let log!: AuditLog;
  let modelId: string;
  let before: Float64Array;
  let incident: string;
  let cheat: Perturbation[] = [];
  const logKey = generateIdentity();
  const opIds = ['a', 'b', 'c'].map(() => generateIdentity());
  const operators = ['a', 'b', 'c'].map((o, i) => ({ id: `op-${o}`, organisation: `org-${o}`, publicKey: toHex(opIds[i]!.signing.publicKey), runs: [`party-${i}`] }));
  const keys = { alice: generateApiKey('alice'), owner: generateApiKey('owner'), admin: generateApiKey('admin'), auditor: generateApiKey('auditor') };
  const input = { shape: [ROWS, 64], data: Array.from(X) };
  // Party 1 alters its first message of every matrix product it sends in a job (the dense layers' and the probes').
  const EVERY_JOB: Perturbation[] = [{ tag: /(dense|probe)#\d+\//, occurrence: 0, index: 3, delta: 1n << 36n }];

  beforeAll(async () => {
    gw = await startRealGatewayCluster(
      nats().url,
      [
        { id: 'alice', tenant: 'clinic-a', roles: ['client'], key: keys.alice },
        { id: 'owner', tenant: 'lab', roles: ['model-owner'], key: keys.owner },
        { id: 'admin', tenant: 'ops', roles: ['admin'], key: keys.admin },
        { id: 'auditor', tenant: 'ops', roles: ['auditor'], key: keys.auditor },
      ],
      {
        tamper: (i) => (i === 1 ? (channel) => new PerturbingChannel(channel, cheat) : undefined),
        standbys: { slots: [1], parties: { operators, quorum: 2 } },
        coordinator: {
          audit: async (nc) => (log = await AuditLog.open(nc.jetstream(), { signer: { origin: 'coordinator', secretKey: logKey.signing.secretKey } })),
          models: async (nc) => await ModelRegistry.withKv(nc.jetstream()),
          quarantines: async (nc) => await openQuarantineStore(nc.jetstream()),
          witnessCheckpoints: false,
          governance: { recomputeMs: 100, operators },
        },
      },
    );
    const owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner, trust: gw.cluster.trustBundle });
    modelId = (await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '1.0' })).id;
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
  });

  const reputation = async (): Promise<{ text: string; report: ReputationReport }> => {
    const r = (await gw.cluster.coordinator.parts.api.call('parties.reputation', { principal: ADMIN })) as { report: string };
    return { text: r.report, report: JSON.parse(r.report) as ReputationReport };
  };

  it('before: the honest trio answers within the bound of onnxruntime', async () => {
    const alice = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice, trust: gw.cluster.trustBundle });
    const r = await alice.infer(modelId, input, { timeoutMs: 30_000, security: 'malicious' });
    expect(r.job.state).toBe('verified');
    const ort = await runOrt(ONNX, X, [ROWS, 64]);
    for (let k = 0; k < ort.length; k++) expect(Math.abs(r.data[k]! - ort[k]!)).toBeLessThan(BOUND);
    expect(argmaxRows(r.data, 10)).toEqual(argmaxRows(ort, 10));
    before = r.data;
  });

  it('party 1 cheats: the job aborts with verification-failed and no output; the probes run with the standby in each seat', async () => {
    cheat = EVERY_JOB;
    const alice = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice, trust: gw.cluster.trustBundle });
    const e = await alice.infer(modelId, input, { timeoutMs: 30_000, security: 'malicious' }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(JobFailedError);
    expect((e as JobFailedError).failureCode).toBe('verification-failed');
    incident = (e as JobFailedError).jobId;
    // No output left: the job has no result to fetch.
    await expect(alice.jobResult(incident)).rejects.toMatchObject({ status: 409 });
    const q = await until('party-1 quarantined', () => gw.cluster.coordinator.parts.quarantine!.quarantined.find((r) => r.serviceId === 'party-1'));
    await gw.cluster.coordinator.parts.probes.idle();
    const round = (await gw.cluster.coordinator.parts.api.call('parties.probe', { principal: ADMIN, incident })) as { probes: { seat: number; trio: string[]; state: string }[] };
    // The incident's evidence names the pair {0, 1} (party 1's altered message left the two
    // copies of a share component different, and the next comparison's digest check saw it), so
    // the first probe's verdict against party 1 already proves it: the probe of seat 2 runs and
    // fails verification too, or is refused because party 1 is quarantined by then.
    const states = round.probes.map((p) => [p.seat, p.trio.join(','), p.state]);
    expect(states.slice(0, 2)).toEqual([
      [0, 'standby-1,party-1,party-2', 'failed-verification'],
      [1, 'party-0,standby-1,party-2', 'verified'],
    ]);
    const third = round.probes[2] as unknown as { trio: string[]; state: string; error?: string };
    expect(third.trio.join(',')).toBe('party-0,party-1,standby-1');
    if (third.state !== 'failed-verification') expect([third.state, third.error]).toEqual(['failed', expect.stringMatching(/^party-quarantined: seat 1: party-1 is quarantined/)]);
    await log.flush();
    const entry = await until('party.quarantined entry', () => log.entries({ type: 'party.quarantined' })[0]);
    expect(entry.serviceId).toBe('party-1');
    expect(entry.reason).toMatch(/proven misbehaviour: the only culprit common to jobs /);
    // The evidence: the incident's and the failed probes' placements and accusations.
    const all = log.entries({ from: 0 });
    const failedProbes = round.probes.filter((p) => p.state === 'failed-verification').map((p) => (p as unknown as { jobId: string }).jobId);
    const evidenceJobs = new Set(q.evidenceSeq.map((seq) => all[seq]!.jobId));
    expect(evidenceJobs.has(incident) && evidenceJobs.has(failedProbes[0]!)).toBe(true);
    for (const j of evidenceJobs) expect([incident, ...failedProbes]).toContain(j);
    for (const seq of q.evidenceSeq) expect(entry.hashes?.[`entry-${seq}`]).toBe(entryDigest(all[seq]!));
    const { report } = await reputation();
    for (const id of ['party-0', 'party-2', 'standby-1']) expect(report.parties.find((p) => p.serviceId === id)!.quarantine, id).toBe(false);
    // The incident and the probes that failed verification (the third when it ran before the quarantine).
    expect(report.parties.find((p) => p.serviceId === 'party-1')).toMatchObject({ proven: true, quarantine: true, incidents: 1 + failedProbes.length });
  }, 120_000);

  it('mpc audit reputation over an export reproduces the service\'s scores exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpc-cheater-export-'));
    try {
      for (let attempt = 0; ; attempt++) {
        await log.flush();
        await log.checkpoint();
        await writeAuditExport(log, dir);
        const service = await reputation();
        let out = '';
        expect(await reputationCli([dir, '--json'], { out: (t) => (out += t), err: () => undefined })).toBe(0);
        if ((JSON.parse(out) as ReputationReport).entries !== service.report.entries && attempt < 5) continue;
        expect(out).toBe(service.text + '\n');
        break;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('operators promote the standby, the model is reshared to it, and the same query gives the same answer', async () => {
    const q = gw.cluster.coordinator.parts.quarantine!.quarantined.find((r) => r.serviceId === 'party-1')!;
    const standby = publicIdentity(gw.cluster.identities.standbys[0]!);
    const decide = (k: number): unknown => signMessage<PromotionDecision>(PROMOTION_DOMAIN, { type: 'party-promotion', slot: 1, standbyId: 'standby-1', ...standby, replaces: 'party-1', quarantine: q.id, issuedAt: Date.now() }, opIds[k]!.signing);
    const admin = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.admin, trust: gw.cluster.trustBundle });
    expect((await admin.promoteStandby('party-1', 'standby-1', [decide(0), decide(2)])).signers).toEqual(['op-a', 'op-c']);
    await admin.reshareToStandby('standby-1');
    await gw.cluster.coordinator.parts.resharing.settled('standby-1');
    expect((await admin.resharings()).resharings[0]).toMatchObject({ standbyId: 'standby-1', state: 'done', discarded: true, items: [{ kind: 'model', id: modelId, state: 'done' }] });
    // The client pins the new trio (the operators publish it with the promotion).
    const t = gw.cluster.trustBundle;
    const trust = makeTrustBundle({ deployment: t.deployment, parties: [t.parties[0]!, { id: 'standby-1', ...standby }, t.parties[2]!], coordinator: t.coordinator });
    const alice = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice, trust });
    const r = await alice.infer(modelId, input, { timeoutMs: 30_000, security: 'malicious' });
    expect(r.job.state).toBe('verified');
    await log.flush();
    const placed = log.entries({ type: 'job.placed' }).find((e) => e.jobId === r.job.id);
    expect(placed?.parties).toEqual(['party-0', 'standby-1', 'party-2']);
    const ort = await runOrt(ONNX, X, [ROWS, 64]);
    expect(argmaxRows(r.data, 10)).toEqual(argmaxRows(before, 10));
    for (let k = 0; k < ort.length; k++) {
      expect(Math.abs(r.data[k]! - before[k]!)).toBeLessThan(2 * BOUND);
      expect(Math.abs(r.data[k]! - ort[k]!)).toBeLessThan(BOUND);
    }
  }, 120_000);
});
