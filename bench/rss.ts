/**
 * @module bench/rss
 * Replicated-sharing products over NATS: a local cluster (nats-server, coordinator, three
 * parties as separate processes) runs `mpc-compute` jobs on seed-compressed random operands.
 * Each job repeats its product; the parties time each repetition (local work, sealing, NATS
 * round trip, opening) and the slowest party's time per repetition is the sample. Baseline: the
 * same product in plaintext in this process with the same ring backend (ratio = plaintext /
 * secure, so < 1 is the price of security).
 *
 * The malicious-mode cases (bench/rss-malicious) come first, in memory, each with its
 * semi-honest baseline.
 *
 * Reported per case: median_ms, ops_per_s (elementwise products, multiply-adds for matmul and
 * dot), rounds and bytes sent per party per product, and the whole job's time (dispatch,
 * repetitions, reports, verification) for context.
 *
 * Then the same cases on the three-server topology (`mpc up --topology cluster`: three
 * nats-servers joined by TLS routes, each party on its own server), impl `nats-3srv-3proc-*`,
 * against the one-server median of the same run (`cost_vs_one_server`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindPrincipalSigner } from '../services/transport/connection-signer.js';
import type { BenchOptions, BenchSuite } from './bench-case.js';
import { median, timeMedian } from './bench-case.js';
import { getRing } from '../crypto-core/ring/index.js';
import { Prg } from '../crypto-core/prg.js';
import { startLocalCluster, type LocalCluster } from '../services/cluster/local-cluster.js';
import { callCoordinator, waitForJob } from '../services/cluster/coordinator-caller.js';
import { prepareSeededComputeRequest } from '../services/sdk/compute-client.js';
import type { ComputeJobResult, ComputeOp } from '../services/wire/compute-job.js';
import { subjects } from '../services/wire/api.js';
import { runMaliciousCases } from './rss-malicious.js';

interface Case {
  name: string;
  op: ComputeOp;
  dims: number[];
  /** Multiply-adds (or products) per run, for ops_per_s. */
  ops: number;
  reps: number;
  quick: boolean;
}

const CASES: Case[] = [
  { name: 'mul 1e4', op: 'mul', dims: [10_000], ops: 1e4, reps: 40, quick: true },
  { name: 'mul 1e6', op: 'mul', dims: [1_000_000], ops: 1e6, reps: 5, quick: false },
  { name: 'matmul 128x128x128', op: 'matmul', dims: [128, 128, 128], ops: 128 ** 3, reps: 15, quick: true },
  { name: 'matmul 64x784x128', op: 'matmul', dims: [64, 784, 128], ops: 64 * 784 * 128, reps: 10, quick: false },
  { name: 'dot 1e5', op: 'dot', dims: [100_000], ops: 1e5, reps: 30, quick: true },
];

function plaintext(c: Case): () => unknown {
  const ring = getRing();
  const prg = Prg.random();
  if (c.op === 'mul') {
    const x = prg.u64(c.dims[0]!);
    const y = prg.u64(c.dims[0]!);
    return () => ring.mul(x, y);
  }
  if (c.op === 'dot') {
    const x = prg.u64(c.dims[0]!);
    const y = prg.u64(c.dims[0]!);
    return () => ring.matmul(x, y, 1, c.dims[0]!, 1);
  }
  const [m, k, n] = c.dims as [number, number, number];
  const x = prg.u64(m * k);
  const y = prg.u64(k * n);
  return () => ring.matmul(x, y, m, k, n);
}

/**
 * Runs the compute cases on `cluster` and emits one line each; returns the medians by case name.
 * With `oneServer`, the lines are the three-server topology's: baseline the one-server median of
 * the same case, ratio = one-server / three-server, and `cost_vs_one_server` its inverse.
 */
async function runComputeCases(cluster: LocalCluster, opts: BenchOptions, impl: string, oneServer?: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  // Calls the coordinator as the gateway does: the gateway account, envelopes signed by its key.
  const nc = bindPrincipalSigner(await cluster.connect('gateway', 'bench-rss'), cluster.gatewaySigner);
  const principal = { tenant: 'bench', actor: 'bench', roles: [] };
  const keys = [0, 1, 2].map((i) => cluster.keys[`party-${i}`]!.agreementPublicKey) as [string, string, string];
  const ringName = getRing().name;
  try {
    // The floor under every case: a request/reply round trip to another process through the
    // broker (the coordinator's health.ready, a few hundred bytes each way).
    const ask = new TextEncoder().encode('{}');
    const rtt = await timeMedian(() => nc.request(subjects.api('health.ready'), ask, { timeout: 2000 }), opts.quick ? 50 : 300, 20);
    opts.emit({ suite: 'rss', case: 'nats request/reply', impl: oneServer ? 'nats-3srv' : 'nats', median_ms: rtt, ops_per_s: 1000 / rtt, baseline: null, ratio: null });
    for (const c of CASES) {
      if (opts.quick && !c.quick) continue;
      if (oneServer && !oneServer.has(c.name)) continue;
      const reps = opts.quick ? Math.max(3, Math.floor(c.reps / 4)) : c.reps;
      const req = prepareSeededComputeRequest(c.op, c.dims, keys, { repeat: reps + 1 });
      const t0 = performance.now();
      const { job } = await callCoordinator(nc, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload });
      const done = await waitForJob(nc, principal, job.id, 600_000, 50);
      const jobMs = performance.now() - t0;
      if (done.state !== 'verified') throw new Error(`${c.name}: job ${done.state}: ${done.error?.message ?? ''}`);
      const { result } = await callCoordinator(nc, 'jobs.result', { principal, jobId: job.id }, 120_000);
      // The first repetition warms up (JIT, connection buffers) and is left out.
      const samples = (result as unknown as ComputeJobResult).iterationMs.slice(1);
      const ms = median(samples);
      out.set(c.name, ms);
      const one = oneServer?.get(c.name);
      const base = one ?? (await timeMedian(plaintext(c), opts.quick ? 3 : 7));
      opts.emit({
        suite: 'rss',
        case: c.name,
        impl: `${impl}-${ringName}`,
        median_ms: ms,
        ops_per_s: c.ops / (ms / 1000),
        baseline: one !== undefined ? `nats-3proc-${ringName}` : `plaintext-${ringName}`,
        ratio: base / ms,
        baseline_ms: base,
        ...(one !== undefined ? { cost_vs_one_server: Math.round((ms / one) * 1000) / 1000, servers: 3 } : {}),
        rounds: (done.stats?.rounds ?? 0) / (reps + 1),
        bytes_per_party: (done.stats?.bytesPerParty ?? 0) / (reps + 1),
        reps: samples.length,
        job_ms: jobMs,
      });
    }
  } finally {
    await nc.close();
  }
  return out;
}

export const suite: BenchSuite = {
  name: 'rss',
  description: '3-party replicated sharing products over NATS (separate processes, sealed channels) vs plaintext; then on three routed nats-servers vs one',
  async run(opts) {
    // Malicious against semi-honest mode first, in memory (bench/rss-malicious).
    await runMaliciousCases(opts);
    const dir = mkdtempSync(join(tmpdir(), 'mpc-bench-rss-'));
    const base = { dir, jetstream: false, jobTimeoutMs: 600_000, heWorkers: 0 };
    try {
      const one = await startLocalCluster(base);
      let oneServer: Map<string, number>;
      try {
        oneServer = await runComputeCases(one, opts, 'nats-3proc');
      } finally {
        await one.stop();
      }
      // Three servers joined by routes (mpc up --topology cluster), each party on its own: every
      // frame between two parties crosses a route. Run after the one-server cluster stopped.
      const three = await startLocalCluster({ ...base, topology: 'cluster' });
      try {
        await runComputeCases(three, opts, 'nats-3srv-3proc', oneServer);
      } finally {
        await three.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
