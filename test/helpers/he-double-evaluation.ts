/**
 * @module test/helpers/he-double-evaluation
 * The coordinator double's answer to an `he-inference` job in SDK tests: the job's ciphertext
 * really evaluated under CKKS with the keys its session registered, and signed, as two HE
 * workers would (their output statements, under two fresh identities the double's registry
 * lists, see {@link heDoubleWorkers}).
 */
import { createHash } from 'node:crypto';
import type { HePlan } from '../../protocols/he/he-plan.js';
import { evaluate } from '../../protocols/he/he-evaluator.js';
import type { SealModule } from '../../crypto-core/he/seal-loader.js';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { CkksEvalKeys, type EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { toBase64 } from '../../crypto-core/encoding.js';
import { fromLargeBase64 } from '../../services/wire/large-base64.js';
import { generateIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { toHex } from '../../crypto-core/encoding.js';
import { bytesDigest, heKeysDigest, signOutputStatement } from '../../services/wire/output-statement.js';
import type { ServiceRecord } from '../../services/wire/api.js';

/** Two HE worker identities for the double's results, and their registry records. */
export function heDoubleWorkers(): { identities: [ServiceIdentity, ServiceIdentity]; records: ServiceRecord[] } {
  const identities: [ServiceIdentity, ServiceIdentity] = [generateIdentity(), generateIdentity()];
  const records = identities.map((id, i): ServiceRecord => ({ id: `he-double-${i}`, kind: 'he-worker', signingPublicKey: toHex(id.signing.publicKey), agreementPublicKey: toHex(id.agreement.publicKey), status: 'up' }));
  return { identities, records };
}

/** A `resultFor` for the coordinator double: evaluates the job's ciphertext with its session's keys. */
export function heJobResult(
  seal: SealModule,
  plan: HePlan,
  keysOf: (sessionId: string) => EvalKeyBundle | undefined,
  workers: ReturnType<typeof heDoubleWorkers>,
): (job: { status: { id: string }; payload: unknown }) => Record<string, unknown> {
  return (job) => {
    const p = job.payload as { sessionId: string; modelId: string; ciphertext: string };
    const bundle = keysOf(p.sessionId)!;
    const ctx = CkksContext.create(seal, plan.params);
    const keys = CkksEvalKeys.load(ctx, bundle);
    try {
      const input = fromLargeBase64(p.ciphertext);
      const out = evaluate(plan, input, keys);
      const sha256 = createHash('sha256').update(out).digest('hex');
      const ids = workers.records.map((r) => r.id) as [string, string];
      const signatures = workers.identities.map((w, i) =>
        signOutputStatement({ jobId: job.status.id, kind: 'he-inference', subject: p.modelId, party: ids[i]!, inputDigest: bytesDigest(input), outputDigest: sha256, clientPublicKey: heKeysDigest(bundle) }, w.signing),
      );
      return { ciphertext: toBase64(out), sha256, verification: { mode: 'dual', workers: ids, hashes: [sha256, sha256], signatures } };
    } finally {
      keys.dispose();
      ctx.dispose();
    }
  };
}
