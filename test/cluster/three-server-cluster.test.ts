/**
 * `mpc up --topology cluster` as processes (needs `npm run build`; MPC_TEST_CLI_PATH may name
 * another build of the CLI): three nats-servers joined by routes (TLS with the tooling's CA, a
 * route password), JetStream R3, one server per organisation with its party connected to it
 * first and the other servers as fallbacks; the coordinator, the parties and the gateway as
 * separate processes; the parties witness every audit checkpoint.
 *
 * It runs an MPC inference and an analytics query, then kills one nats-server (-9) while a job
 * runs: that job ends verified or with a typed failure well within its deadline (never a hang),
 * later jobs (compute, inference, query) verify on the two remaining servers, and after the
 * server returns nothing is lost: every job keeps its stored state, the catalogues still list
 * the model and the data set, and the audit log exported through the gateway verifies under
 * the 2-of-3 witness policy `mpc up` wrote, with an entry for every job. A route connection
 * with a party's client certificate but without the route password is refused. The users are
 * in one NATS account per organisation (services/cluster/nats-accounts; the attacks on the
 * accounts are played in test/cluster/nats-accounts.test.ts).
 *
 * Where the machine allows (root, iproute2), each organisation is a network namespace made by
 * the test (test/cluster/org-namespaces.ts): server i and party i run inside namespace i, and the
 * traffic between organisations crosses a bridge; otherwise everything is on loopback (the
 * first line printed says which; MPC_TEST_NO_NETNS forces loopback).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { WITNESS_POLICY_FILE } from '../../services/cluster/local-cluster.js';
import { callCoordinator } from '../../services/cluster/coordinator-caller.js';
import { openComputeResult, prepareSeededComputeRequest } from '../../services/sdk/compute-client.js';
import { JobFailedError, MpcClient } from '../../services/sdk/index.js';
import type { ComputeJobResult } from '../../services/wire/compute-job.js';
import type { JobStatus, Principal } from '../../services/wire/api.js';
import { tsRing } from '../../crypto-core/ring/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { loadBreastCancer } from '../../services/demo/demo-data.js';
import { plaintextQuery } from '../../protocols/analytics/plaintext-query.js';
import type { Query } from '../../protocols/analytics/query.js';
import { expectMatches } from '../analytics/compare-results.js';
import { run as exportRun } from '../../services/cli/commands/audit-export.js';
import { run as verifyRun } from '../../services/cli/commands/audit-verify.js';
import { normalisedConfig, testedConfigBlocks } from './deployment-configs.js';
import { makeOrgNamespaces, type OrgNamespaces } from './org-namespaces.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const principal: Principal = { tenant: 'demo', actor: 'demo-client', roles: ['client'] };
/** The coordinator's job deadline: a job cut off by the kill ends by then at the latest. */
const JOB_TIMEOUT_MS = 20_000;
const K = 10;
const POLICY = { roles: ['analyst', 'hospital'] as ('analyst' | 'hospital')[], minCellSize: K };
const { schema, rows } = loadBreastCancer();
const QUERY = (datasets: string[]): Query => ({ datasets, groupBy: ['diagnosis'], aggregates: [{ op: 'count' }, { op: 'mean', column: 'mean_radius' }] });

let dir: string;
let cluster: FullCluster;
/** The organisations' network namespaces, when the machine allows (root, iproute2). */
let namespaces: OrgNamespaces | undefined;
let nc: NatsConnection;
/** A read-only JetStream observer (stream info only). */
let observer: NatsConnection;
let admin: MpcClient;
let analyst: MpcClient;
let sdk: MpcClient;
let modelId: string;
let datasetId: string;
const jobIds: string[] = [];

function partyKeys(): [string, string, string] {
  return [0, 1, 2].map((i) => cluster.keys[`party-${i}`]!.agreementPublicKey) as [string, string, string];
}

/** A compute job that verifies with the right product. */
async function computeIsRight(n = 1000): Promise<void> {
  const req = prepareSeededComputeRequest('mul', [n], partyKeys());
  const { job } = await callCoordinator(nc, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload }, 10_000);
  jobIds.push(job.id);
  expect((await sdk.waitForJob(job.id, { timeoutMs: 60_000 })).state).toBe('verified');
  const { result } = await callCoordinator(nc, 'jobs.result', { principal, jobId: job.id }, 10_000);
  expect(Array.from(openComputeResult(req, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(req.x, req.y)));
}

async function inferenceIsRight(): Promise<void> {
  const x = Float64Array.from({ length: 64 }, (_, i) => (i % 13) / 12);
  const got = await admin.infer(modelId, { shape: [1, 64], data: x }, { timeoutMs: 60_000 });
  const want = evaluatePlain(importOnnx(ONNX), x, 1).output;
  got.data.forEach((y, i) => expect(Math.abs(y - want[i]!)).toBeLessThan(0.01));
}

async function queryIsRight(): Promise<void> {
  const submitted = await analyst.query(QUERY([datasetId]));
  jobIds.push(submitted.jobId);
  const secure = await analyst.queryResult(submitted, schema, { timeoutMs: 60_000 });
  expectMatches(secure, plaintextQuery(schema, rows.slice(0, 120), QUERY([datasetId]), K), QUERY([datasetId]));
}

/** Retries `f` while the coordinator has not yet seen a party again after a failover (party-gone, 502). */
async function afterFailover<T>(f: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      const text = e instanceof Error ? `${e.name} ${e.message} ${(e as { failureCode?: string }).failureCode ?? ''}` : String(e);
      if (attempt >= 40 || !/party-gone|broker-disconnected|not ready|unavailable|503|502/.test(text)) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpc-three-servers-'));
  const made = process.env.MPC_TEST_NO_NETNS ? { reason: 'MPC_TEST_NO_NETNS is set' } : makeOrgNamespaces();
  if ('orgs' in made) namespaces = made;
  process.stdout.write(`[three-server-cluster] ${namespaces ? `organisations in network namespaces ${namespaces.orgs.map((o) => `${o.netns} (${o.address})`).join(', ')}` : `all on loopback (${(made as { reason: string }).reason})`}\n`);
  cluster = await startFullCluster({
    ...(namespaces ? { organisations: namespaces.orgs } : {}),
    dir,
    topology: 'cluster',
    heWorkers: 0,
    jobTimeoutMs: JOB_TIMEOUT_MS,
    extraUsers: [{ user: 'observer', permissions: { publish: ['$JS.API.>'], subscribe: ['_INBOX.>'] } }],
    ...(process.env.MPC_TEST_CLI_PATH ? { cliPath: process.env.MPC_TEST_CLI_PATH } : {}) });
  nc = bindPrincipalSigner(await cluster.connect('gateway', 'three-servers'), cluster.gatewaySigner);
  observer = await cluster.connect('observer');
  const mk = (id: string) => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys[id]!, pollIntervalMs: 100 });
  admin = mk('demo-admin');
  analyst = mk('demo-analyst');
  sdk = mk('demo-client');
}, 120_000);
afterAll(async () => {
  await nc?.close();
  await observer?.close();
  await cluster?.stop();
  namespaces?.remove();
  if (dir && !process.env.KEEP_CLUSTER_DIR) rmSync(dir, { recursive: true, force: true });
  else process.stdout.write(`kept ${dir}\n`);
}, 60_000);

describe('three organisations, three nats-servers (real processes)', () => {
  it('runs three routed servers with TLS and R3 JetStream, each party on its own server first', async () => {
    expect(cluster.natsServers).toHaveLength(3);
    expect(new Set(cluster.natsUrls).size).toBe(3);
    for (let i = 0; i < 3; i++) {
      const conf = readFileSync(join(dir, 'nats', `org-${i}`, 'nats-server.conf'), 'utf8');
      expect(conf).toMatch(/cluster \{ name: "mpc".*tls \{ cert_file.*verify: true.*authorization \{ user: "route"/);
      expect(conf).toMatch(/^tls \{ cert_file: .*verify: true/m);
      // Users only in the organisations' account files (services/cluster/nats-accounts), included by every server.
      expect(conf).toMatch(/^accounts \{\n( {2}include "\.\.\/accounts\/[A-Z_0-9]+\.conf"\n){6}\}$/m);
      expect(conf).not.toMatch(/nkey/);
      const party = JSON.parse(readFileSync(join(dir, 'config', `party-${i}.json`), 'utf8')) as { nats: { servers: string[] } };
      expect(party.nats.servers[0]).toBe(cluster.natsUrls[i]);
      expect([...party.nats.servers].sort()).toEqual([...cluster.natsUrls].sort());
    }
    if (namespaces) {
      // Each party process runs in its organisation's network namespace (same namespace inode).
      for (let i = 0; i < 3; i++) {
        const pid = cluster.processes.get(`party-${i}`)!.pid!;
        expect(statSync(`/proc/${pid}/ns/net`).ino, `party-${i}`).toBe(statSync(`/run/netns/${namespaces.orgs[i]!.netns}`).ino);
        expect(cluster.natsUrls[i]).toContain(namespaces.orgs[i]!.address);
      }
      expect(statSync(`/proc/${cluster.processes.get('coordinator')!.pid!}/ns/net`).ino).not.toBe(statSync(`/run/netns/${namespaces.orgs[0]!.netns}`).ino);
    }
    for (let i = 0; i < 3; i++) {
      const org = readFileSync(join(dir, 'nats', 'accounts', `ORG_${i}.conf`), 'utf8');
      expect(org, `ORG_${i}`).toContain(`# party-${i}\n`);
      expect(org, `ORG_${i}`).not.toMatch(/jetstream/);
    }
    expect(readFileSync(join(dir, 'nats', 'accounts', 'COORDINATOR.conf'), 'utf8')).toMatch(/^ {2}jetstream: enabled\n[\s\S]*# coordinator\n[\s\S]*# observer\n/m);
    const jsm = await observer.jetstreamManager();
    for (const stream of ['MPC_AUDIT', 'MPC_AUDIT_CHECKPOINTS', 'KV_mpc_jobs', 'KV_mpc_models', 'KV_mpc_datasets']) {
      const info = await jsm.streams.info(stream);
      expect(info.config.num_replicas, stream).toBe(3);
    }
  });

  it('refuses a route connection that presents a party certificate without the route password', async () => {
    const conf = readFileSync(join(dir, 'nats', 'org-0', 'nats-server.conf'), 'utf8');
    const [, routeHost, routePortText] = /listen: "([0-9.]+):(\d+)"/.exec(conf)!;
    const routePort = Number(routePortText);
    const t = JSON.parse(readFileSync(cluster.clusterFile, 'utf8')) as { natsTls: { clients: Record<string, { caFile: string; certFile: string; keyFile: string }> } };
    const creds = t.natsTls.clients['party-2']!;
    const said = await new Promise<string>((resolve) => {
      let text = '';
      const sock = tlsConnect({ host: routeHost, port: routePort, ca: readFileSync(creds.caFile), cert: readFileSync(creds.certFile), key: readFileSync(creds.keyFile), servername: 'localhost' }, () => {
        sock.write('CONNECT {"verbose":false,"pedantic":false,"name":"intruder","cluster":"mpc"}\r\nPING\r\n');
      });
      sock.on('data', (d) => (text += d.toString()));
      sock.on('error', () => resolve(text));
      sock.on('close', () => resolve(text));
      setTimeout(() => {
        sock.destroy();
        resolve(text);
      }, 8000).unref();
    });
    expect(said).not.toMatch(/PONG/);
  });

  it('runs an MPC inference and an analytics query across the three servers', async () => {
    const model = await afterFailover(() => admin.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: 'three-servers' }));
    modelId = model.id;
    await inferenceIsRight();
    const ds = await admin.uploadDataset('three-servers', schema, rows.slice(0, 120), { policy: POLICY });
    datasetId = ds.id;
    await queryIsRight();
    await computeIsRight();
  }, 120_000);

  it('a job in flight when one nats-server is killed ends verified or typed within its deadline; later jobs succeed; nothing is lost', async () => {
    // Server 2: party-2's own; the party, and whatever else was on it, fail over to servers 0 and 1.
    const slow = prepareSeededComputeRequest('mul', [50_000], partyKeys(), { repeat: 300 });
    const { job } = await callCoordinator(nc, 'jobs.submit', { principal, kind: 'mpc-compute', payload: slow.payload }, 10_000);
    jobIds.push(job.id);
    for (;;) {
      const { job: j } = await callCoordinator(nc, 'jobs.get', { principal, jobId: job.id }, 10_000);
      if (j.state !== 'created' && j.state !== 'placed') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const t0 = Date.now();
    const waiting = sdk.waitForJob(job.id, { timeoutMs: JOB_TIMEOUT_MS + 30_000 }).then(
      (j: JobStatus) => ({ at: Date.now(), job: j, err: undefined as unknown }),
      (err: unknown) => ({ at: Date.now(), job: undefined, err }),
    );
    await new Promise((r) => setTimeout(r, 200));
    await cluster.natsServers[2]!.kill('SIGKILL');
    const out = await waiting;
    const ended = out.job ? `verified` : `${(out.err as Error).name} ${(out.err as JobFailedError).failureCode ?? ''}: ${(out.err as Error).message}`;
    process.stdout.write(`[three-server-cluster] job in flight when server 2 was killed: ${ended} after ${out.at - t0} ms (deadline ${JOB_TIMEOUT_MS} ms)\n`);
    if (out.job) {
      expect(out.job.state).toBe('verified');
      const { result } = await callCoordinator(nc, 'jobs.result', { principal, jobId: job.id }, 10_000);
      expect(Array.from(openComputeResult(slow, result as unknown as ComputeJobResult))).toEqual(Array.from(tsRing.mul(slow.x, slow.y)));
    } else {
      expect(out.err).toBeInstanceOf(JobFailedError);
      expect((out.err as JobFailedError).failureCode).toMatch(/^[a-z-]+$/);
    }
    expect(out.at - t0).toBeLessThan(JOB_TIMEOUT_MS + 15_000);

    // Later jobs on the two remaining servers.
    const t1 = Date.now();
    await afterFailover(() => computeIsRight());
    process.stdout.write(`[three-server-cluster] first job after the kill verified ${Date.now() - t1} ms later\n`);
    await afterFailover(() => inferenceIsRight());
    await afterFailover(() => queryIsRight());

    // The server returns; the replicas catch up.
    await cluster.natsServers[2]!.start();
    const jsm = await observer.jetstreamManager();
    const end = Date.now() + 60_000;
    for (;;) {
      const info = await jsm.streams.info('MPC_AUDIT');
      const peers = info.cluster?.replicas ?? [];
      if (peers.length === 2 && peers.every((p) => p.current)) break;
      if (Date.now() > end) throw new Error(`the audit stream's replicas did not catch up: ${JSON.stringify(info.cluster)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await afterFailover(() => computeIsRight());

    // Job state and catalogues.
    for (const id of jobIds) {
      // Compute jobs are the demo client's; query jobs the analyst's (read through the SDK).
      const j = await sdk.jobStatus(id).catch(() => analyst.jobStatus(id));
      expect(['verified', 'failed'], id).toContain(j.state);
    }
    expect((await admin.models()).map((m) => m.id)).toContain(modelId);
    expect((await admin.listDatasets()).map((d) => d.id)).toContain(datasetId);

    // The audit log: exported through the gateway, verified under the witness policy of `mpc up`.
    const exportDir = join(dir, 'audit-export');
    let said = '';
    const io = { out: (t: string) => (said += t), err: (t: string) => (said += t) };
    const auditorKey = cluster.demoKeys['demo-auditor']!;
    // The latest checkpoint is cosigned once the witnesses answered (within a second or two of the last entry).
    const wEnd = Date.now() + 30_000;
    let code = 1;
    while (Date.now() < wEnd) {
      said = '';
      const exported = await exportRun(['--out', exportDir, '--gateway', cluster.gatewayUrl, '--api-key', auditorKey, '--cluster-dir', dir], io);
      expect(exported, said).toBe(0);
      code = await verifyRun([exportDir, '--policy', join(dir, WITNESS_POLICY_FILE)], io);
      if (code === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    process.stdout.write(`[three-server-cluster] ${said.trim().split('\n').at(-1)}\n`);
    expect(code).toBe(0);
    expect(said).toMatch(/cosigned by [23] of 3 witnesses/);
    const entries = readFileSync(join(exportDir, 'entries.jsonl'), 'utf8');
    for (const id of jobIds) expect(entries, id).toContain(`"jobId":"${id}"`);
  }, 300_000);

  it('docs/deployment.md shows the configs this cluster ran with (hosts and secrets replaced)', () => {
    const blocks = testedConfigBlocks(readFileSync('docs/deployment.md', 'utf8'));
    const accounts = ['CLIENTS', 'COORDINATOR', 'GATEWAY', 'ORG_0', 'ORG_1', 'ORG_2'].map((a) => `nats/accounts/${a}.conf`);
    expect(blocks.map((b) => b.file).sort()).toEqual(['config/coordinator.json', 'config/gateway.json', 'config/party-0.json', 'config/party-1.json', 'config/party-2.json', ...accounts, 'nats/org-0/nats-server.conf', 'nats/org-1/nats-server.conf', 'nats/org-2/nats-server.conf']);
    for (const b of blocks) {
      const actual = normalisedConfig(dir, b.file, ['observer']);
      if (b.mode === 'exact') expect(b.text, b.file).toBe(actual.endsWith('\n') ? actual : actual + '\n');
      else for (const line of b.text.split('\n').filter(Boolean)) expect(actual.split('\n'), `${b.file}: ${line}`).toContain(line);
    }
  });
});
