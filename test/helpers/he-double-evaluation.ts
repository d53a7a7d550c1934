/**
 * @module test/helpers/he-double-evaluation
 * The coordinator double's answer to an `he-inference` job in SDK tests: the job's ciphertext
 * really evaluated under CKKS with the keys its session registered, as an HE worker would.
 */
import { createHash } from 'node:crypto';
import type { HePlan } from '../../protocols/he/he-plan.js';
import { evaluate } from '../../protocols/he/he-evaluator.js';
import type { SealModule } from '../../crypto-core/he/seal-loader.js';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { CkksEvalKeys, type EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { toBase64 } from '../../crypto-core/encoding.js';
import { fromLargeBase64 } from '../../services/wire/large-base64.js';

/** A `resultFor` for the coordinator double: evaluates the job's ciphertext with its session's keys. */
export function heJobResult(seal: SealModule, plan: HePlan, keysOf: (sessionId: string) => EvalKeyBundle | undefined): (job: { payload: unknown }) => Record<string, unknown> {
  return (job) => {
    const p = job.payload as { sessionId: string; ciphertext: string };
    const ctx = CkksContext.create(seal, plan.params);
    const keys = CkksEvalKeys.load(ctx, keysOf(p.sessionId)!);
    try {
      const out = evaluate(plan, fromLargeBase64(p.ciphertext), keys);
      return { ciphertext: toBase64(out), sha256: createHash('sha256').update(out).digest('hex') };
    } finally {
      keys.dispose();
      ctx.dispose();
    }
  };
}
