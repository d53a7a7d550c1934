/**
 * @module services/gateway/sealed-input-fault
 * Model publication and data-set upload answer only once the three parties have stored what
 * they were sent; when one cannot open its sealed box, the coordinator reports the job failed
 * (`model-publish-failed`, `dataset-upload-failed`, 502: it cannot tell why a party failed
 * from a party that broke). The job's error says why: a party that refused the client's
 * material reports `invalid-sealed-input` (services/wire/job-error-codes). Then the client is
 * at fault, and it gets 400 `invalid-ciphertext` naming the box (`body/<field>/<party>`)
 * instead of a 502 that tells it to retry the same bytes.
 */
import type { Principal } from '../wire/api.js';
import { RESIDENCY_REFUSED, SEALED_INPUT_REFUSED } from '../wire/job-error-codes.js';
import type { CoordinatorClient } from './coordinator-client.js';
import { ProblemError } from './problems.js';
import { invalidCiphertext } from './payload-checks.js';

/** Coordinator codes of a synchronous job that failed at the parties. */
const PARTY_JOB_FAILURES: ReadonlySet<string> = new Set(['model-publish-failed', 'dataset-upload-failed']);

/**
 * Runs `call`; when it fails because a party refused the sealed box of `field`, throws the
 * client's `invalid-ciphertext` problem instead.
 */
export async function withSealedInputFaults<T>(coordinator: CoordinatorClient, principal: Principal, field: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const jobId = err instanceof ProblemError && err.upstream && PARTY_JOB_FAILURES.has(err.upstream.code) ? err.upstream.detail?.jobId : undefined;
    if (typeof jobId !== 'string') throw err;
    const job = await coordinator.call('jobs.get', { principal, jobId }).then((r) => r.job, () => undefined);
    const e = job?.error;
    // The parties refused the owner-signed model version (services/party/runners/model-version-check).
    if (typeof e?.code === 'string' && e.code.startsWith('model-version-')) {
      throw new ProblemError('model-version-refused', `${e.code}: ${e.message}`, { cause: err, errors: [{ path: 'body/statement', message: e.message }] });
    }
    // A party refused shares bound to another region than its own (services/party/errors checkResidency).
    if (e?.code === RESIDENCY_REFUSED) throw new ProblemError('residency-refused', `${e.code}: ${e.message}`, { cause: err });
    if (e?.code !== SEALED_INPUT_REFUSED) throw err;
    const box = e.party === undefined ? field : `${field}[${e.party}]`;
    throw invalidCiphertext(box, `does not open at the party it was sealed to, or holds other than the request declares (tampered, sealed to another key or for another request): ${e.message}`, err);
  }
}
