/**
 * Reputation, quarantine and reinstatement end to end over a real nats-server (JetStream audit
 * log, KV quarantine records), the in-process cluster behind a real gateway, with evidence the
 * system produces itself (no entry is written by the test):
 *
 * 1. party 1 cheats in malicious mode three times; its own counter-accusations included, it and
 *    party 0 are accused alike, nobody is quarantined, and the honest parties keep serving (the
 *    counter-accusation attack, played for real);
 * 2. party 1 disappears four times (stopped while the coordinator still counts it up): the
 *    coordinator's own party-gone failures drop its score below 0.5 and it is quarantined, with a
 *    `party.quarantined` entry holding the leaf hashes of those failures;
 * 3. the next job fails at once with `party-quarantined` naming it; so after a coordinator restart;
 * 4. `mpc audit reputation --json` over an export prints the coordinator's report byte for byte;
 * 5. reinstatement: refused with a signature of party 1's own organisation, a forged signature,
 *    or a decision for another quarantine (coordinator, SDK, CLI); accepted with 2 of the other
 *    organisations by `mpc parties reinstate --sign` through the gateway; jobs run again.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { toHex } from '../../crypto-core/encoding.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { writeAuditExport } from '../../services/audit/export-files.js';
import { computeReputation, entryDigest, type ReputationReport } from '../../services/audit/reputation.js';
import { run as reputationCli } from '../../services/cli/commands/audit-reputation.js';
import { run as partiesCli } from '../../services/cli/commands/parties.js';
import { writeIdentityFile } from '../../crypto-core/keys/key-file.js';
import { openQuarantineStore } from '../../services/coordinator/governance/party-quarantine.js';
import { ModelRegistry } from '../../services/coordinator/models/model-registry.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { JobFailedError, MpcClient } from '../../services/sdk/index.js';
import { signMessage } from '../../services/wire/job-messages.js';
import { REINSTATEMENT_DOMAIN, type ReinstatementDecision } from '../../services/wire/party-governance.js';
import type { Principal } from '../../services/wire/api.js';
import { PerturbingChannel, type Perturbation } from '../../protocols/testing/perturbing-channel.js';
import { readF32 } from '../helpers/read-f32.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const ROWS = readF32('test/fixtures/data/digits_test.f32');
const ADMIN: Principal = { tenant: 'ops', actor: 'admin', roles: ['admin'] };

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function failure(p: Promise<unknown>): Promise<JobFailedError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(JobFailedError);
  return e as JobFailedError;
}

describe('quarantine and reinstatement from audit evidence', () => {
  const nats = useNatsServer({ jetstream: true });
  let gw: RealGatewayCluster;
  let alice: MpcClient;
  let modelId: string;
  let log!: AuditLog;
  let cheat: Perturbation[] = [];
  const logKey = generateIdentity();
  const opIdentities = ['a', 'b', 'c'].map(() => generateIdentity());
  const operators = ['a', 'b', 'c'].map((org, i) => ({ org, key: opIdentities[i]!.signing, runs: [`party-${i}`] }));
  const opDir = mkdtempSync(join(tmpdir(), 'mpc-operators-'));
  const opFiles = opIdentities.map((id, i) => {
    const f = join(opDir, `op-${i}.identity.json`);
    writeIdentityFile(f, id);
    return f;
  });
  const keys = { alice: generateApiKey('alice'), owner: generateApiKey('owner'), admin: generateApiKey('admin'), auditor: generateApiKey('auditor') };
  const input = { shape: [1, 64], data: Array.from(ROWS.subarray(0, 64)) };
  const FIRST_MATMUL: Perturbation[] = [{ tag: /dense#\d+\//, occurrence: 0, index: 3, delta: 1n << 36n }];
  const api = (method: string, req: Record<string, unknown>) => gw.cluster.coordinator.parts.api.call(method, { principal: ADMIN, ...req });

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
        coordinator: {
          audit: async (nc) => (log = await AuditLog.open(nc.jetstream(), { signer: { origin: 'coordinator', secretKey: logKey.signing.secretKey } })),
          models: async (nc) => await ModelRegistry.withKv(nc.jetstream()),
          quarantines: async (nc) => await openQuarantineStore(nc.jetstream()),
          witnessCheckpoints: false,
          governance: { recomputeMs: 100, operators: operators.map((o, i) => ({ id: `op-${o.org}`, organisation: `org-${o.org}`, publicKey: toHex(o.key.publicKey), runs: operators[i]!.runs })) },
        },
      },
    );
    const owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner, trust: gw.cluster.trustBundle });
    modelId = (await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '1.0' })).id;
    alice = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice, trust: gw.cluster.trustBundle });
  });
  afterAll(async () => {
    await gw?.stop();
    rmSync(opDir, { recursive: true, force: true });
  });

  const reputation = async (): Promise<{ text: string; report: ReputationReport; quarantined: { id: string; serviceId: string; evidence: string[]; evidenceSeq: number[] }[] }> => {
    const r = (await api('parties.reputation', {})) as { report: string; quarantined: { id: string; serviceId: string; evidence: string[]; evidenceSeq: number[] }[] };
    return { text: r.report, report: JSON.parse(r.report) as ReputationReport, quarantined: r.quarantined };
  };
  const party = (rep: ReputationReport, id: string) => rep.parties.find((p) => p.serviceId === id)!;

  it('a cheater caught three times, filing counter-accusations: the pair accused alike, nobody quarantined, the honest parties keep serving', async () => {
    cheat = FIRST_MATMUL;
    for (let k = 0; k < 3; k++) expect((await failure(alice.infer(modelId, input, { timeoutMs: 30_000, security: 'malicious' }))).failureCode).toBe('verification-failed');
    cheat = [];
    expect((await alice.infer(modelId, input, { timeoutMs: 30_000 })).job.state).toBe('verified');
    const { report, quarantined } = await reputation();
    const accusations = log.entries({ type: 'verification.failed' });
    // Party 1 itself accused an honest party in every incident (its counter-accusation): its
    // altered message left the copies of a share component held by parties 0 and 1 different,
    // the next comparison's digest check saw it, and each of the two accuses the other.
    expect(accusations.filter((a) => a.actor === 'party-1' && a.accused?.join() === '0').length).toBe(3);
    for (const id of ['party-0', 'party-1', 'party-2']) {
      const p = party(report, id);
      expect(p.incidents).toBe(3);
      // The pair {0, 1} is accused alike; party 2 by nobody.
      expect(p.candidateIn).toBe(id === 'party-2' ? 0 : 3);
      expect(p.proven).toBe(false);
      expect(p.quarantine).toBe(false);
      // The model's publication and the honest inference.
      expect(p.completed).toBe(2);
    }
    expect(quarantined).toEqual([]);
  });

  it('party 1 disappearing four times is quarantined, the entry holding the leaf hashes of the failures it rests on', async () => {
    // Score (completed + 1) / (completed + 1 + gone) = 3 / 7 after four: below 0.5, with >= 3 disappearances.
    for (let k = 0; k < 4; k++) {
      await gw.cluster.stopParty(1);
      const f = await failure(alice.infer(modelId, input, { timeoutMs: 30_000 }));
      expect([f.failureCode, f.party]).toEqual(['party-gone', 1]);
      await gw.cluster.startParty(1);
      if (k < 3) await gw.cluster.ready();
    }
    const q = await until('party-1 quarantined', () => gw.cluster.coordinator.parts.quarantine!.quarantined.find((r) => r.serviceId === 'party-1'));
    await log.flush();
    const entry = await until('party.quarantined entry', () => log.entries({ type: 'party.quarantined' })[0]);
    expect(entry.serviceId).toBe('party-1');
    const all = log.entries({ from: 0 });
    const gone = all.filter((e) => e.type === 'job.failed' && e.party === 1 && e.reason?.startsWith('party-gone: party 1 (party-1)'));
    expect(gone).toHaveLength(4);
    expect(q.evidenceSeq).toEqual(gone.map((e) => e.seq));
    expect(q.evidence).toEqual(gone.map((e) => entryDigest(e)));
    for (const e of gone) expect(entry.hashes?.[`entry-${e.seq}`]).toBe(entryDigest(e));
    expect(entry.hashes?.quarantine).toBe(q.id);
    // The honest parties are not quarantined.
    expect(gw.cluster.coordinator.parts.quarantine!.quarantined.map((r) => r.serviceId)).toEqual(['party-1']);
  });

  it('the next job fails at once with party-quarantined naming party 1, also after a coordinator restart', async () => {
    await gw.cluster.ready();
    const f = await failure(alice.infer(modelId, input, { timeoutMs: 30_000 }));
    expect([f.failureCode, f.party]).toEqual(['party-quarantined', 1]);
    expect(f.message).toMatch(/party 1 \(party-1\) is quarantined: score 0\.428571 below 0\.5/);
    await gw.cluster.restartCoordinator();
    await gw.cluster.ready();
    expect(gw.cluster.coordinator.parts.registry.isQuarantined('party-1')).toBe(true);
    const g = await failure(alice.infer(modelId, input, { timeoutMs: 30_000 }));
    expect([g.failureCode, g.party]).toEqual(['party-quarantined', 1]);
    // One quarantine entry: the restarted coordinator read the record, it did not quarantine again.
    await log.flush();
    expect(log.entries({ type: 'party.quarantined' })).toHaveLength(1);
  });

  it('mpc audit reputation over an export prints the coordinator\'s report byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpc-rep-'));
    try {
      // Entries may still arrive (parties re-announcing): compare at the same log size.
      for (let attempt = 0; ; attempt++) {
        await log.flush();
        await log.checkpoint();
        await writeAuditExport(log, dir);
        const service = await reputation();
        // The auditor's view through the gateway is the same report.
        const viaGateway = await new MpcClient({ gatewayUrl: gw.url, apiKey: keys.auditor, trust: gw.cluster.trustBundle }).partyReputation();
        let out = '';
        expect(await reputationCli([dir, '--json'], { out: (t) => (out += t), err: () => undefined })).toBe(0);
        if ((JSON.parse(out) as ReputationReport).entries !== service.report.entries && attempt < 5) continue;
        expect(out).toBe(service.text + '\n');
        if (JSON.parse(viaGateway.report).entries === service.report.entries) expect(viaGateway.report).toBe(service.text);
        expect(viaGateway.quarantined.map((q) => q.serviceId)).toEqual(['party-1']);
        let text = '';
        expect(await reputationCli([dir], { out: (t) => (text += t), err: () => undefined })).toBe(0);
        expect(text).toMatch(/^party-1: score 0\.428571 .* QUARANTINE/m);
        expect(computeReputation(log.entries({ from: 0 })).entries).toBe(log.size);
        break;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reinstatement: refused without a quorum of other organisations or with forged or misdirected signatures; then 2 of 3 reinstate and jobs run', async () => {
    const q = gw.cluster.coordinator.parts.quarantine!.quarantined[0]!;
    const decide = (key: (typeof operators)[number]['key'], over: Partial<ReinstatementDecision> = {}) =>
      signMessage<ReinstatementDecision>(REINSTATEMENT_DOMAIN, { type: 'party-reinstatement', serviceId: 'party-1', quarantine: q.id, issuedAt: Date.now(), ...over }, key);
    const [a, b, c] = operators.map((o) => o.key) as [typeof operators[0]['key'], typeof operators[0]['key'], typeof operators[0]['key']];
    const refused = async (decisions: unknown[], why: RegExp) => {
      await expect(api('parties.reinstate', { serviceId: 'party-1', decisions })).rejects.toMatchObject({ code: 'reinstatement-refused', status: 403, message: expect.stringMatching(why) as unknown });
    };
    // Party 1's own organisation does not count; one other organisation is not a quorum.
    await refused([decide(a), decide(b)], /got 1: decision 1: op-b belongs to org-b, which runs party-1/);
    // The same operator twice is one organisation.
    await refused([decide(a), decide(a)], /got 1$/);
    // A forged signature: op-c's public key on a decision signed by someone else.
    const mallory = generateIdentity().signing;
    const forged = { ...decide(mallory), signer: toHex(c.publicKey) };
    await refused([decide(a), forged], /decision 1: the signature of op-c does not verify/);
    // An unknown key.
    await refused([decide(a), decide(mallory)], /decision 1: not signed by a configured operator key/);
    // A decision for another quarantine (or another party) does not lift this one.
    await refused([decide(a), decide(c, { quarantine: 'f'.repeat(64) })], /op-c signed another decision/);
    await refused([decide(a), decide(c, { serviceId: 'party-2' })], /op-c signed another decision/);
    // A stale decision.
    await refused([decide(a), decide(c, { issuedAt: Date.now() - 2 * 24 * 3600_000 })], /op-c's decision is not recent/);
    // Nothing was reinstated so far.
    expect(gw.cluster.coordinator.parts.registry.isQuarantined('party-1')).toBe(true);
    // Through the gateway: a client, a malformed body and a refused decision set are problems.
    const admin = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.admin, trust: gw.cluster.trustBundle });
    await expect(alice.reinstateParty('party-1', [decide(a), decide(c)])).rejects.toMatchObject({ status: 403 });
    await expect(admin.reinstateParty('party-1', [{ body: { type: 'party-reinstatement' }, signer: 'x', signature: '' }])).rejects.toMatchObject({ status: 400, type: expect.stringMatching(/validation$/) as unknown });
    await expect(admin.reinstateParty('party-1', [decide(a), forged])).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/the signature of op-c does not verify/) as unknown });
    // The CLI with party 1's own operator and one other: refused (exit 1, a 403 problem: 3).
    const cli = (args: string[]) => partiesCli([...args, '--gateway', gw.url, '--api-key', keys.admin]);
    expect(await cli(['reinstate', 'party-1', '--sign', opFiles[0]!, '--sign', opFiles[1]!])).toBe(3);
    // 2 of 3 with `mpc parties reinstate --sign`: the operators of the organisations running party 0 and party 2.
    expect(await cli(['reinstate', 'party-1', '--sign', opFiles[0]!, '--sign', opFiles[2]!])).toBe(0);
    await expect(admin.reinstateParty('party-1', [decide(a), decide(c)])).rejects.toMatchObject({ status: 409 });
    await expect(api('parties.reinstate', { serviceId: 'party-1', decisions: [decide(a), decide(c)] })).rejects.toMatchObject({ code: 'not-quarantined', status: 409 });
    await log.flush();
    const entry = await until('party.reinstated entry', () => log.entries({ type: 'party.reinstated' })[0]);
    expect(entry).toMatchObject({ serviceId: 'party-1', signers: ['op-a', 'op-c'], hashes: { quarantine: q.id } });
    expect((await alice.infer(modelId, input, { timeoutMs: 30_000 })).job.state).toBe('verified');
    // The reinstated party starts afresh: its record counts only the job after the reinstatement.
    const p1 = party((await reputation()).report, 'party-1');
    expect([p1.jobs, p1.completed, p1.gone, p1.quarantine]).toEqual([1, 1, 0, false]);
    // A restarted coordinator does not quarantine it again from the old evidence.
    await gw.cluster.restartCoordinator();
    await gw.cluster.ready();
    expect(gw.cluster.coordinator.parts.registry.isQuarantined('party-1')).toBe(false);
    expect((await alice.infer(modelId, input, { timeoutMs: 30_000 })).job.state).toBe('verified');
  });
});
