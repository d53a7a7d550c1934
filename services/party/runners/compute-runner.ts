/**
 * @module services/party/runners/compute-runner
 * Runs `mpc-compute` jobs: opens this party's sealed operand pairs, runs the product over the
 * job's channel (`mul`, `matmul` or `dot` of protocols/rss: one round each), and seals the output
 * pair to the client. The steps are exported separately so a fault drill can run a party that
 * alters its output shares between the product and the seal.
 */
import { open as openBox, seal } from '../../../crypto-core/sealed-box.js';
import { fromBase64, fromHex, toBase64 } from '../../../crypto-core/encoding.js';
import { fromLargeBase64 } from '../../wire/large-base64.js';
import { Prg } from '../../../crypto-core/prg.js';
import { dot, matmul, mul } from '../../../protocols/rss/mul.js';
import { makeShare, type ReplicatedShare } from '../../../protocols/rss/replicated-share.js';
import type { ProtocolContext } from '../../../protocols/rss/context.js';
import { decodeSharePair, encodeSharePair } from '../../wire/sealed-share-pair.js';
import { computeInputAad, computeOutputAad, computeSizes, type ComputePartyPayload } from '../../wire/compute-job.js';
import { JobPayloadError, SealedInputError } from '../errors.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../job-runner.js';

/** The payload of `ctx.order`, checked. @throws JobPayloadError naming the field. */
export function computePayload(ctx: JobRunContext): ComputePartyPayload {
  const p = ctx.order.payload as ComputePartyPayload;
  if (typeof p !== 'object' || p === null) throw new JobPayloadError('payload: expected an object');
  try {
    computeSizes(p.op, p.dims);
    fromHex(p.clientPublicKey, 'payload.clientPublicKey', 32);
  } catch (cause) {
    throw new JobPayloadError(`payload: ${(cause as Error).message}`, { cause });
  }
  if (typeof p.sealedInput !== 'string') throw new JobPayloadError('payload.sealedInput: expected string');
  if (p.inputMode !== 'shares' && p.inputMode !== 'seeds') throw new JobPayloadError(`payload.inputMode: expected 'shares' or 'seeds', got ${JSON.stringify(p.inputMode)}`);
  if (!Number.isInteger(p.repeat) || p.repeat < 1 || p.repeat > 1000) throw new JobPayloadError(`payload.repeat: expected 1..1000, got ${String(p.repeat)}`);
  return p;
}

/** This party's shares of x and y. @throws JobPayloadError when a box does not open. */
export function openComputeInputs(ctx: JobRunContext, p: ComputePartyPayload): { x: ReplicatedShare; y: ReplicatedShare } {
  const sizes = computeSizes(p.op, p.dims);
  const self = ctx.protocol.self;
  if (p.inputMode === 'seeds') {
    let seeds: Uint8Array;
    try {
      seeds = openBox(ctx.identity.agreement.secretKey, fromBase64(p.sealedInput, 'sealedInput'), computeInputAad(p.op, p.clientPublicKey, 'seeds', self));
    } catch (cause) {
      throw new SealedInputError(`payload.sealedInput: party ${self}'s seed box does not open (${(cause as Error).message})`, { cause });
    }
    if (seeds.length !== 128) throw new JobPayloadError(`payload.sealedInput: expected 4 seeds of 32 bytes, got ${seeds.length} bytes`);
    const expand = (k: number, n: number): BigUint64Array => Prg.fromSeed(seeds.subarray(32 * k, 32 * k + 32)).u64(n);
    return { x: makeShare(expand(0, sizes.x), expand(1, sizes.x)), y: makeShare(expand(2, sizes.y), expand(3, sizes.y)) };
  }
  const parts = p.sealedInput.split('.');
  if (parts.length !== 2) throw new JobPayloadError('payload.sealedInput: expected two base64 boxes joined by "."');
  try {
    const ox = openBox(ctx.identity.agreement.secretKey, fromLargeBase64(parts[0]!, 'sealedInput.x'), computeInputAad(p.op, p.clientPublicKey, 'x', self));
    const oy = openBox(ctx.identity.agreement.secretKey, fromLargeBase64(parts[1]!, 'sealedInput.y'), computeInputAad(p.op, p.clientPublicKey, 'y', self));
    const [xa, xb] = decodeSharePair(ox, sizes.x);
    const [ya, yb] = decodeSharePair(oy, sizes.y);
    return { x: makeShare(xa, xb), y: makeShare(ya, yb) };
  } catch (cause) {
    throw new SealedInputError(`payload.sealedInput: party ${self}'s input boxes do not open (${(cause as Error).message})`, { cause });
  }
}

/** The product of the job over the channel. */
export async function runComputeOp(protocol: ProtocolContext, p: ComputePartyPayload, x: ReplicatedShare, y: ReplicatedShare): Promise<ReplicatedShare> {
  if (p.op === 'mul') return await mul(protocol, x, y);
  if (p.op === 'dot') return await dot(protocol, x, y, p.dims[0]!);
  const [m, k, n] = p.dims as [number, number, number];
  return await matmul(protocol, x, y, m, k, n);
}

/** This party's output pair sealed to the client (base64). */
export function sealComputeOutput(self: number, p: ComputePartyPayload, z: ReplicatedShare): string {
  return toBase64(seal(fromHex(p.clientPublicKey, 'clientPublicKey', 32), encodeSharePair(z.a, z.b), computeOutputAad(p.op, p.clientPublicKey, self)));
}

/** The `mpc-compute` runner. */
export class ComputeRunner implements JobRunner {
  readonly kind = 'mpc-compute';

  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = computePayload(ctx);
    const { x, y } = openComputeInputs(ctx, p);
    const iterationMs: number[] = [];
    let z: ReplicatedShare | undefined;
    for (let r = 0; r < p.repeat; r++) {
      const t0 = performance.now();
      z = await runComputeOp(ctx.protocol, p, x, y);
      iterationMs.push(performance.now() - t0);
    }
    return { result: { sealedOutput: sealComputeOutput(ctx.protocol.self, p, z!), iterationMs }, iterationMs, output: z! };
  }
}
