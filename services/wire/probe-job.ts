/**
 * @module services/wire/probe-job
 * The `mpc-probe` job kind (docs/governance.md "Probes"): a malicious-mode matrix product on
 * operands that are public, derived from a seed in the order. The coordinator runs probes after
 * an incident that names no single culprit, with a registered standby taking each seat of the
 * incident's trio in turn, so that a cheater's next incidents have other partners and the
 * reputation rule can prove it. Nothing in a probe is secret (every party can derive every
 * share), so a party may run one with a standby or any peer it does not pin, in any seat: no
 * client or stored data can be reached through it, as its operands come from the seed alone.
 */
import { Prg } from '../../crypto-core/prg.js';
import { fromHex } from '../../crypto-core/encoding.js';
import { shareSecret, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';

/** Matrix dimensions of a probe: x is m x k, y is k x n. */
export type ProbeDims = [m: number, k: number, n: number];

/** The probe's default size (one dense layer's worth of products). */
export const PROBE_DIMS: ProbeDims = [8, 64, 16];

/** The coordinator's payload of `mpc-probe` (what the job book holds). */
export interface ProbePayload {
  /** The incident job the probe follows up. */
  incident: string;
  /** The three service ids, by seat: who runs the probe (the standby in one of the seats). */
  trio: [string, string, string];
  /** 32-byte seed (hex) of the public operands and their sharing. */
  seed: string;
  dims: ProbeDims;
}

/** What each party receives. */
export interface ProbePartyPayload {
  incident: string;
  seed: string;
  dims: ProbeDims;
}

/** One party's result: its output pair, in the clear (the product of public operands is public). */
export interface ProbePartyResult {
  /** Base64 of the pair (wire/sealed-share-pair encoding, not sealed). */
  pair: string;
}

/** The job's result: the product was opened and equals the product computed in the clear. */
export interface ProbeResult {
  incident: string;
  trio: [string, string, string];
  /** SHA-256 (hex) of the product's little-endian words. */
  product: string;
}

/** The probes that followed one incident, as `parties.probe` answers them. */
export interface ProbeRound {
  incident: string;
  /** The incident's trio, by seat. */
  trio: [string, string, string];
  probes: { jobId: string; seat: number; standbyId: string; trio: [string, string, string]; state: string; error?: string }[];
}

/** @throws RangeError naming what is wrong. */
export function checkProbeDims(dims: unknown): ProbeDims {
  if (!Array.isArray(dims) || dims.length !== 3 || !dims.every((d) => Number.isSafeInteger(d) && d >= 1 && d <= 256)) throw new RangeError(`dims: expected [m, k, n] with each 1..256, got ${JSON.stringify(dims)}`);
  return dims as ProbeDims;
}

/** The public operands of a probe and the sharing every party derives from the seed. */
export function probeOperands(seedHex: string, dims: ProbeDims): { x: BigUint64Array; y: BigUint64Array; xs: ReplicatedShare[]; ys: ReplicatedShare[] } {
  const [m, k, n] = checkProbeDims(dims);
  const prg = Prg.fromSeed(fromHex(seedHex, 'seed', 32));
  const x = prg.u64(m * k);
  const y = prg.u64(k * n);
  return { x, y, xs: shareSecret(x, prg), ys: shareSecret(y, prg) };
}

/** x · y mod 2^64 in the clear (row-major). */
export function plainProduct(x: BigUint64Array, y: BigUint64Array, dims: ProbeDims): BigUint64Array {
  const [m, k, n] = dims;
  const out = new BigUint64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0n;
      for (let t = 0; t < k; t++) s += x[i * k + t]! * y[t * n + j]!;
      out[i * n + j] = BigInt.asUintN(64, s);
    }
  return out;
}
