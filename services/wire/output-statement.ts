/**
 * @module services/wire/output-statement
 * What a party signs when it releases an output to a client: the job, what was computed (the
 * model and the digest of the sealed input box it received from that client; or the digest of
 * the analytics query and of the output layout), the digest of the sealed output box it made,
 * and the client's key. The SDK rebuilds the statement from what it sent and what it got
 * and checks each party's signature against the party's pinned key before opening anything, so
 * a result assembled by the gateway or coordinator (who see the client's public key and could
 * seal shares of any value to it) is refused, and so is a genuine box moved to another job.
 *
 * HE workers sign the same statement about an `he-inference` result: the job, the model, the
 * SHA-256 of the input ciphertext, the SHA-256 of the result ciphertext, and the SHA-256 of the
 * client's evaluation keys the session holds ({@link heKeysDigest}). Two distinct pinned
 * workers signing one output digest is the dual-execution verdict the client checks itself.
 */
import { createHash } from 'node:crypto';
import { fromBase64, toHex } from '../../crypto-core/encoding.js';
import { canonicalJsonBytes } from '../../crypto-core/canonical-json.js';
import { signMessage, verifyMessage } from './job-messages.js';

/** Signature domain of output statements. */
export const OUTPUT_STATEMENT_DOMAIN = 'mpc-output/v1';

/** The statement of party `party` (or HE worker `party`) about its output of one job. */
export interface OutputStatement {
  jobId: string;
  kind: 'mpc-inference' | 'analytics-query' | 'he-inference';
  /** mpc-inference, he-inference: the model id; analytics-query: SHA-256 (hex) of the query's canonical JSON. */
  subject: string;
  /** The party's index; for he-inference the HE worker's service id. */
  party: number | string;
  /**
   * mpc-inference: SHA-256 (hex) of the sealed input box the party opened; analytics-query:
   * SHA-256 of the output layout's canonical JSON; he-inference: SHA-256 of the input ciphertext.
   */
  inputDigest: string;
  /** SHA-256 (hex) of the sealed output box (decoded bytes) the party made; he-inference: of the result ciphertext. */
  outputDigest: string;
  /** The client's X25519 public key (hex) the output is sealed to; he-inference: {@link heKeysDigest} of the session's keys. */
  clientPublicKey: string;
  /**
   * Present (`malicious`) when the party ran the job in malicious mode and its checks passed;
   * absent for semi-honest runs, so a client that asked for malicious mode refuses a result that
   * a coordinator downgraded (the signature would not cover the field).
   */
  security?: 'malicious';
}

/** The statement field of a job run in `security` mode (see {@link OutputStatement.security}). */
export function securityClaim(security: 'semi-honest' | 'malicious' | undefined): Pick<OutputStatement, 'security'> {
  return security === 'malicious' ? { security: 'malicious' } : {};
}

/** SHA-256 (hex) of an HE session's public, relinearization and Galois keys (the bytes the client registered). */
export function heKeysDigest(keys: { publicKey: Uint8Array; relinKeys: Uint8Array; galoisKeys: Uint8Array }): string {
  return toHex(createHash('sha256').update(keys.publicKey).update(keys.relinKeys).update(keys.galoisKeys).digest());
}

/** SHA-256 (hex) of bytes. */
export function bytesDigest(bytes: Uint8Array): string {
  return toHex(createHash('sha256').update(bytes).digest());
}

/** SHA-256 (hex) of a sealed box given in base64. */
export function boxDigest(boxBase64: string, name = 'box'): string {
  return bytesDigest(fromBase64(boxBase64, name));
}

/** SHA-256 (hex) of a value's canonical JSON (a query, an output layout). */
export function jsonDigest(v: unknown): string {
  return toHex(createHash('sha256').update(canonicalJsonBytes(v)).digest());
}

/** The party's signature (base64) of `statement`. */
export function signOutputStatement(statement: OutputStatement, key: { publicKey: Uint8Array; secretKey: Uint8Array }): string {
  return signMessage(OUTPUT_STATEMENT_DOMAIN, statement, key).signature;
}

/** Whether `signature` is `signerHex`'s signature of `statement`. Never throws. */
export function verifyOutputStatement(statement: OutputStatement, signature: unknown, signerHex: string): boolean {
  try {
    if (typeof signature !== 'string') return false;
    const signer = new Uint8Array(Buffer.from(signerHex, 'hex'));
    if (signer.length !== 32) return false;
    return verifyMessage(OUTPUT_STATEMENT_DOMAIN, { body: statement, signer: signerHex, signature }, signer) !== undefined;
  } catch {
    return false;
  }
}
