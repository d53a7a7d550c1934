/**
 * @module services/sdk/audit-verification
 * Client-side checks of what the gateway's audit routes return, so an auditor trusts neither
 * the gateway nor the coordinator: an entry is in the log a signed checkpoint commits to (RFC
 * 9162 inclusion over the entry's canonical bytes), and a newer checkpoint extends an older one
 * (RFC 9162 consistency). Verdicts, never exceptions, for bad content.
 */
import type { NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { encodeAuditEntry, type AuditEntry } from '../wire/audit-entry.js';
import { verifyCheckpointExtends, verifyEntryInCheckpoint, type ProofVerdict } from '../audit/verify-proof.js';
import type { AuditConsistencyProof, AuditInclusionProof } from '../wire/api.js';

const HEX64 = /^[0-9a-f]{64}$/;

function hashes(proof: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(proof) || !proof.every((h) => typeof h === 'string' && HEX64.test(h))) return undefined;
  return proof.map((h: string) => new Uint8Array(Buffer.from(h, 'hex')));
}

/**
 * Whether `entry` is leaf `inclusion.leafIndex` of the log that the signed `checkpoint`
 * commits to. The proof must be for the checkpoint's tree size.
 */
export function verifyAuditEntry(entry: AuditEntry, inclusion: AuditInclusionProof, checkpoint: string, verifier: NoteVerifier): ProofVerdict {
  const proof = hashes(inclusion?.proof);
  if (!proof) return { ok: false, reason: 'inclusion.proof: expected an array of 64-hex-digit hashes' };
  let bytes: Uint8Array;
  try {
    bytes = encodeAuditEntry(entry);
  } catch (e) {
    return { ok: false, reason: `entry: ${(e as Error).message}` };
  }
  if (entry.seq !== inclusion.leafIndex) return { ok: false, reason: `entry.seq ${entry.seq} is not the proof's leaf index ${inclusion.leafIndex}` };
  return verifyEntryInCheckpoint(bytes, inclusion.leafIndex, proof, checkpoint, verifier);
}

/** Whether the signed checkpoint `newer` extends `older`, given the consistency proof between them. */
export function verifyCheckpointConsistency(older: string, newer: string, consistency: AuditConsistencyProof, verifier: NoteVerifier): ProofVerdict {
  const proof = hashes(consistency?.proof);
  if (!proof) return { ok: false, reason: 'consistency.proof: expected an array of 64-hex-digit hashes' };
  return verifyCheckpointExtends(older, newer, proof, verifier);
}
