/**
 * @module protocols/he/dual-execution
 * Verifying an encrypted result nobody in the middle can read: CKKS evaluation here is
 * deterministic, so two independent workers given the same plan, keys and ciphertext must
 * return byte-identical results. A coordinator compares their SHA-256 digests; a worker that
 * computed something else (fault, tampering, a different model) is caught unless both collude
 * or fail identically. The cost is a second evaluation: 2x compute per verified query.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** A worker's result: the serialized ciphertext and the SHA-256 (hex) the worker claims for it. */
export interface HeEvalResult {
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/** SHA-256 of result bytes, lowercase hex. */
export function resultDigest(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/**
 * Compares two results of the same query. `verified` is true only when each result's bytes
 * hash to its claimed digest and the two digests are equal. Never throws on mismatch.
 */
export function compareDualExecution(resultA: HeEvalResult, resultB: HeEvalResult): { verified: boolean; hashA: string; hashB: string } {
  const hashA = resultDigest(resultA.bytes);
  const hashB = resultDigest(resultB.bytes);
  const verified = hashA === resultA.sha256 && hashB === resultB.sha256 && hashA === hashB;
  return { verified, hashA, hashB };
}
