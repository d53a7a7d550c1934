/**
 * @module services/party/runners/probe-runner
 * Runs `mpc-probe` jobs (services/wire/probe-job): derives the public operands and their sharing
 * from the order's seed, takes its own pair, runs the matrix product in malicious mode and
 * verifies it (protocols/rss/malicious/verify-products) before anything leaves. A deviation
 * anywhere ends in the same signed failure report, with accusations, as any malicious-mode job;
 * an honest run returns the output pair in the clear (the product of public operands is public)
 * for the coordinator to open and compare with the product it computes itself.
 */
import { toBase64 } from '../../../crypto-core/encoding.js';
import { matmul } from '../../../protocols/rss/mul.js';
import { verifyJob } from '../../../protocols/rss/malicious/verify-products.js';
import { makeShare } from '../../../protocols/rss/replicated-share.js';
import { encodeSharePair } from '../../wire/sealed-share-pair.js';
import { checkProbeDims, probeOperands, type ProbePartyPayload, type ProbePartyResult } from '../../wire/probe-job.js';
import { JobPayloadError } from '../errors.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../job-runner.js';

/** The `mpc-probe` runner. */
export class ProbeRunner implements JobRunner {
  readonly kind = 'mpc-probe';

  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = ctx.order.payload as ProbePartyPayload;
    if (ctx.order.security !== 'malicious') throw new JobPayloadError('mpc-probe: a probe runs in malicious mode only (its purpose is the verification)');
    let ops: ReturnType<typeof probeOperands>;
    try {
      ops = probeOperands(p?.seed, checkProbeDims(p?.dims));
    } catch (cause) {
      throw new JobPayloadError(`payload: ${(cause as Error).message}`, { cause });
    }
    const [m, k, n] = p.dims;
    const self = ctx.protocol.self;
    const probe = ctx.protocol.scope('probe');
    const x = ops.xs[self]!;
    const y = ops.ys[self]!;
    const z = await matmul(probe, makeShare(x.a, x.b, [m, k]), makeShare(y.a, y.b, [k, n]), m, k, n);
    await verifyJob(ctx.protocol);
    const result: ProbePartyResult = { pair: toBase64(encodeSharePair(z.a, z.b)) };
    return { result, output: z };
  }
}
