/**
 * Smoke run of the inference benchmark (`mpc bench inference --quick`): a real local cluster
 * (nats-server, coordinator, three party processes) and three protocol party processes. Checks
 * the shape of every JSON line and that each secure inference agrees with the plaintext float64
 * evaluation of the same model: the same argmax on every row and every output within
 * |secure - plain| <= 0.02 + 0.01 |plain|. No timing assertions (speed is what the suite reports).
 * The services and the protocol parties run from dist/ (`npm run build` first).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchCase } from '../../bench/bench-case.js';
import { suite, buildMlp } from '../../bench/inference.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';

const QUICK_CASES = ['mlp 784-128-128-10 relu batch1', 'digits cnn batch1'];
/** The zoo's quick cases (torch exports), which also have an onnxruntime line. */
const ZOO_CASES = ['zoo lenet5 28x28 batch1', 'zoo resnet blocks 8x8 batch1'];
const IMPLS = ['mpc-nats', 'mpc-nats-protocol', 'mpc-nats-protocol-stored', 'mpc-memory'];
/** Every line of the quick run: the cases above on every path, the three-server service path, and the extras. */
const ALL_LINES = [
  ...[...QUICK_CASES, ...ZOO_CASES].flatMap((c) => [...IMPLS, 'mpc-nats-3srv'].map((i) => `${c} / ${i}`)),
  ...ZOO_CASES.map((c) => `${c} / onnxruntime`),
  'mlp 784-128-128-10 relu batch1 / mpc-memory-malicious',
  'mlp 784-128-128-10 relu batch1 / mpc-nats-concurrent-1',
  'mlp 784-128-128-10 relu batch1 / mpc-nats-concurrent-4',
  'mlp 784-128-128-10 relu batch1 / mpc-nats-malicious',
  'nats sealed hop 1KiB (3-process ring) / nats-3proc',
];
const lines: BenchCase[] = [];

// Alone this takes about 30 s; beside the rest of the suite on a 2-core machine several times that.
// Each line's arrival is printed so that a slow or stuck step can be told apart from the log.
beforeAll(async () => {
  const t0 = Date.now();
  await suite.run({
    json: true,
    quick: true,
    emit: (c) => {
      lines.push(JSON.parse(JSON.stringify(c)) as BenchCase);
      process.stdout.write(`inference bench +${((Date.now() - t0) / 1000).toFixed(1)} s: ${c.case} / ${c.impl}\n`);
    },
  });
}, 600_000);

function line(name: string, impl: string): BenchCase {
  const found = lines.filter((l) => l.case === name && l.impl === impl);
  expect(found, `${name} / ${impl}`).toHaveLength(1);
  return found[0]!;
}

describe('inference benchmark, quick', () => {
  it('emits one line per quick case and implementation, the three-server path, the extras, and skips batch 64', () => {
    expect(lines.map((l) => `${l.case} / ${l.impl}`).sort()).toEqual([...ALL_LINES].sort());
    for (const l of lines) expect(l.suite).toBe('inference');
  });

  for (const name of QUICK_CASES) {
    for (const impl of IMPLS) {
      it(`${name} / ${impl}: measured, and the secure outputs agree with plaintext`, () => {
        const l = line(name, impl);
        expect(l.error).toBeUndefined();
        expect(l.median_ms).toBeGreaterThan(0);
        expect(l.ops_per_s).toBeCloseTo(1000 / l.median_ms, 6);
        expect(l.baseline).toBe('plaintext-float64');
        expect(l.ratio).toBeCloseTo((l.baseline_ms as number) / l.median_ms, 9);
        expect(l.batch).toBe(1);
        expect(l.argmax_agree).toBe(true);
        expect(l.within_tolerance).toBe(true);
        expect(l.max_abs_err as number).toBeLessThan(0.02);
        if (impl !== 'mpc-memory') {
          // Dense layers cost one round each and a ReLU several (comparison): at least 5 rounds.
          expect(l.rounds as number).toBeGreaterThanOrEqual(5);
          expect(l.bytes_per_party as number).toBeGreaterThan(0);
        }
      });
    }
  }

  it('the job path reports its breakdown and the parties\' protocol time from their reports', () => {
    const l = line('mlp 784-128-128-10 relu batch1', 'mpc-nats');
    for (const f of ['client_share_seal_ms', 'submit_ms', 'wait_ms', 'result_ms', 'client_open_ms', 'coordinator_job_ms', 'party_run_ms', 'party_protocol_ms', 'publish_ms']) {
      expect(l[f], f).toBeGreaterThan(0);
    }
    // The parties' evaluation is part of their run, which is part of the client's wait.
    expect(l.party_protocol_ms as number).toBeLessThanOrEqual(l.party_run_ms as number);
    expect(l.party_overhead_ms as number).toBeGreaterThanOrEqual(0);
    expect(l.model_view_bytes as number).toBeGreaterThan(8 * 2 * 784 * 128);
    // Both paths run the same protocol on the same model shape: the same communication.
    const p = line('mlp 784-128-128-10 relu batch1', 'mpc-nats-protocol');
    expect(l.rounds).toBe(p.rounds);
    expect(l.bytes_per_party).toBe(p.bytes_per_party);
  });

  it('throughput: jobs/s at 1 and 4 concurrent clients, against 1 client, with correct outputs', () => {
    const one = line('mlp 784-128-128-10 relu batch1', 'mpc-nats-concurrent-1');
    for (const n of [1, 4]) {
      const l = line('mlp 784-128-128-10 relu batch1', `mpc-nats-concurrent-${n}`);
      expect(l.error).toBeUndefined();
      expect(l.clients).toBe(n);
      expect(l.jobs).toBe(3 * n);
      expect(l.jobs_per_s as number).toBeGreaterThan(0);
      expect(l.ratio).toBeCloseTo((l.ops_per_s) / one.ops_per_s, 9);
      expect(l.baseline_ms).toBe(one.median_ms);
      expect(l.argmax_agree).toBe(true);
      expect(l.within_tolerance).toBe(true);
    }
  });

  it('every end-to-end line states its floor (rounds x the run\'s sealed hop + the run\'s in-memory time) and the ratio to it', () => {
    const hop = line('nats sealed hop 1KiB (3-process ring)', 'nats-3proc').median_ms;
    for (const name of [...QUICK_CASES, ...ZOO_CASES]) {
      const l = line(name, 'mpc-nats');
      const memory = line(name, 'mpc-memory').median_ms;
      expect(l.hop_ms as number).toBeCloseTo(hop, 2);
      expect(l.memory_ms as number).toBeCloseTo(memory, 2);
      expect(l.floor_ms as number).toBeCloseTo((l.rounds as number) * hop + memory, 1);
      expect(l.e2e_over_floor as number).toBeCloseTo(l.median_ms / (l.floor_ms as number), 2);
    }
  });

  it('the protocol path lists each party\'s per-layer costs, which add up to its totals', () => {
    const l = line('digits cnn batch1', 'mpc-nats-protocol');
    const layers = l.layers as { kind: string; rounds: number[]; bytes: number[] }[];
    expect(layers.map((x) => x.kind)).toEqual(['conv2d', 'relu', 'maxpool', 'conv2d', 'relu', 'avgpool', 'flatten', 'dense']);
    const rounds = l.rounds_by_party as number[];
    const bytes = l.bytes_by_party as number[];
    for (const p of [0, 1, 2]) {
      expect(layers.reduce((a, x) => a + x.rounds[p]!, 0), `party ${p} rounds`).toBe(rounds[p]);
      expect(layers.reduce((a, x) => a + x.bytes[p]!, 0), `party ${p} bytes`).toBe(bytes[p]);
    }
    expect(Math.max(...rounds)).toBe(l.rounds);
    expect(l.party_cpu_ms as number).toBeGreaterThan(0);
    expect(Math.max(...bytes)).toBe(l.bytes_per_party);
  });

  it('malicious mode on the MLP: measured against semi-honest in the same run, outputs agree with plaintext', () => {
    const l = line('mlp 784-128-128-10 relu batch1', 'mpc-memory-malicious');
    const semi = line('mlp 784-128-128-10 relu batch1', 'mpc-memory');
    expect(l.error).toBeUndefined();
    expect(l.baseline).toBe('mpc-memory');
    expect(l.baseline_ms).toBe(semi.median_ms);
    expect(l.ratio).toBeCloseTo(semi.median_ms / l.median_ms, 9);
    expect(l.argmax_agree).toBe(true);
    expect(l.within_tolerance).toBe(true);
    // The check sends more than the computation and takes more rounds.
    expect(l.bytes_per_party as number).toBeGreaterThan(semi.bytes_per_party as number);
    expect(l.latency_depth as number).toBeGreaterThan(semi.latency_depth as number);
  });

  it('the hop calibration reports a positive per-hop latency', () => {
    const l = line('nats sealed hop 1KiB (3-process ring)', 'nats-3proc');
    expect(l.median_ms).toBeGreaterThan(0);
    expect(l.baseline).toBeNull();
  });
});

describe('benchmark MLP', () => {
  it('is 784-128-128-10 with ReLU, He-scaled weights, and the same for the same seed', () => {
    const a = buildMlp([784, 128, 128, 10]);
    const b = buildMlp([784, 128, 128, 10]);
    expect(a.layers.map((l) => l.kind)).toEqual(['dense', 'relu', 'dense', 'relu', 'dense']);
    const first = a.layers[0]!;
    const again = b.layers[0]!;
    if (first.kind !== 'dense' || again.kind !== 'dense') throw new Error('first layer is not dense');
    const w = first.weight;
    expect(w.shape).toEqual([128, 784]);
    expect(w.data).toEqual(again.weight.data);
    // Sample variance within 5 % of He's 2 / fan_in (100 352 samples).
    const mean = w.data.reduce((s, v) => s + v, 0) / w.data.length;
    const variance = w.data.reduce((s, v) => s + (v - mean) ** 2, 0) / w.data.length;
    expect(Math.abs(variance / (2 / 784) - 1)).toBeLessThan(0.05);
    expect(evaluatePlain(a, new Float64Array(784).fill(0.5), 1).output).toHaveLength(10);
  });
});
