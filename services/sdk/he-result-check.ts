/**
 * @module services/sdk/he-result-check
 * The client's own check of an HE result: two distinct HE workers it trusts (pinned in the
 * trust bundle, or listed by the registry without one) each signed an output statement naming
 * this job, this model, the digest of the ciphertext the client sent, the digest of exactly the
 * result ciphertext it got, and the digest of its own evaluation keys. So "dual execution
 * agreed" is verified here, not taken from the coordinator's `verification` field, and a result
 * computed for another input, job or key session is refused before it is decrypted.
 */
import type { JobResults } from '../wire/api.js';
import { verifyOutputStatement } from '../wire/output-statement.js';
import { ResultSignatureError } from './errors.js';

/** The HE workers a client accepts signatures from: service id to Ed25519 key (hex). */
export interface HeWorkerTrust {
  keys: ReadonlyMap<string, string>;
  source: 'pinned' | 'registry';
}

/** What the client knows of its request. */
export interface HeRequestFacts {
  jobId: string;
  modelId: string;
  /** SHA-256 (hex) of the input ciphertext it sent. */
  inputDigest: string;
  /** SHA-256 (hex) of the result ciphertext it received. */
  outputDigest: string;
  /** heKeysDigest of its session's evaluation keys. */
  keysDigest: string;
}

/**
 * Checks both workers' statements of `result`.
 * @throws ResultSignatureError naming the worker (or the missing second worker) that fails.
 */
export function checkHeResult(trust: HeWorkerTrust, result: JobResults['he-inference'], facts: HeRequestFacts): void {
  const v = result.verification;
  if (!v || !Array.isArray(v.workers) || !Array.isArray(v.signatures)) throw new ResultSignatureError(facts.jobId, '(none)', 'carries no worker signatures');
  const [a, b] = v.workers;
  if (typeof a !== 'string' || typeof b !== 'string' || a === b) {
    throw new ResultSignatureError(facts.jobId, String(b ?? a), 'is not confirmed by a second, distinct HE worker (dual execution needs two)');
  }
  for (const [i, worker] of [a, b].entries()) {
    const key = trust.keys.get(worker);
    if (key === undefined) throw new ResultSignatureError(facts.jobId, worker, `comes from a worker that is not ${trust.source === 'pinned' ? 'in the trust bundle' : 'registered'}`);
    const statement = { jobId: facts.jobId, kind: 'he-inference' as const, subject: facts.modelId, party: worker, inputDigest: facts.inputDigest, outputDigest: facts.outputDigest, clientPublicKey: facts.keysDigest };
    if (!verifyOutputStatement(statement, v.signatures[i], key)) {
      throw new ResultSignatureError(facts.jobId, worker, `is not signed by its ${trust.source === 'pinned' ? 'pinned' : 'registered'} key for this job, input, result and key session`);
    }
  }
}
