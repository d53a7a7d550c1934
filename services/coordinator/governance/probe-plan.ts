/**
 * @module services/coordinator/governance/probe-plan
 * The coordinator's plan of `mpc-probe` (services/wire/probe-job): placed on the trio the
 * payload names (not chosen by the registry), always in malicious mode; the parties get the
 * seed and dimensions; the result is the product opened from the three output pairs, checked
 * for consistency and against the product computed in the clear (a mismatch fails the job,
 * `bad-result`).
 */
import { createHash } from 'node:crypto';
import { fromBase64, fromHex } from '../../../crypto-core/encoding.js';
import { openChecked, type ShareTriple } from '../../../protocols/rss/replicated-share.js';
import { decodeSharePair } from '../../wire/sealed-share-pair.js';
import { checkProbeDims, plainProduct, probeOperands, type ProbePartyPayload, type ProbePartyResult, type ProbePayload, type ProbeResult } from '../../wire/probe-job.js';
import { ApiFailure } from '../errors.js';
import type { JobPlan } from '../jobs/job-plans.js';

function invalid(message: string): never {
  throw new ApiFailure('invalid-request', 400, message);
}

/** Plan of `mpc-probe`. */
export const probePlan: JobPlan = {
  kind: 'mpc-probe',
  partyKind: 'mpc-probe',
  outputCommitments: false,
  security: () => 'malicious',
  placement: (payload) => (payload as ProbePayload).trio,
  validate(payload) {
    const p = payload as ProbePayload;
    if (typeof p !== 'object' || p === null) invalid('payload: expected an object');
    if (typeof p.incident !== 'string' || p.incident.length === 0) invalid('payload.incident: expected a job id');
    if (!Array.isArray(p.trio) || p.trio.length !== 3 || !p.trio.every((s) => typeof s === 'string') || new Set(p.trio).size !== 3) invalid('payload.trio: expected three distinct service ids');
    try {
      fromHex(p.seed, 'payload.seed', 32);
      checkProbeDims(p.dims);
    } catch (e) {
      invalid((e as Error).message);
    }
  },
  partyPayload(payload) {
    const p = payload as ProbePayload;
    return { incident: p.incident, seed: p.seed, dims: p.dims } satisfies ProbePartyPayload;
  },
  combine(payload, results) {
    const p = payload as ProbePayload;
    const [m, , n] = p.dims;
    const triple = (results as ProbePartyResult[]).map((r, i) => {
      if (typeof r?.pair !== 'string') throw new Error(`party ${i} result has no output pair`);
      const [a, b] = decodeSharePair(fromBase64(r.pair, `party ${i} pair`), m * n);
      return { a, b };
    }) as unknown as ShareTriple;
    const opened = openChecked(triple);
    const { x, y } = probeOperands(p.seed, p.dims);
    const want = plainProduct(x, y, p.dims);
    if (opened.some((v, i) => v !== want[i])) throw new Error(`the probe's opened product differs from x · y computed in the clear`);
    const digest = createHash('sha256').update(new Uint8Array(want.buffer, want.byteOffset, want.byteLength)).digest('hex');
    return { incident: p.incident, trio: p.trio, product: digest } satisfies ProbeResult;
  },
};
