/**
 * @module services/audit/verify-proof
 * What a client or the SDK checks with one entry and a proof, without the whole log: that the
 * entry is in the log a signed checkpoint commits to (RFC 9162 inclusion), and that a newer
 * checkpoint extends one it kept (RFC 9162 consistency). Both return a verdict with a reason,
 * never throw for bad content.
 */
import { openCheckpoint, type NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { leafHash } from '../../crypto-core/merkle/hashing.js';
import { verifyConsistency, verifyInclusion } from '../../crypto-core/merkle/proof-verify.js';
import { checkWitnessPolicy, type WitnessPolicy } from './witness-policy.js';

/** A verdict with the reason when negative. */
export type ProofVerdict = { ok: true; treeSize: number } | { ok: false; reason: string };

/**
 * Whether `entryBytes` (the canonical JSON line) is leaf `leafIndex` of the log committed to by
 * the signed `checkpoint`, given the inclusion `proof` for the checkpoint's size. With a witness
 * `policy`, the checkpoint must also carry a quorum of witness cosignatures (C2SP
 * tlog-cosignature): an inclusion proof against a checkpoint shown to this client only proves
 * nothing about the log everybody else sees.
 */
export function verifyEntryInCheckpoint(entryBytes: Uint8Array, leafIndex: number, proof: readonly Uint8Array[], checkpoint: string, verifier: NoteVerifier, opts: { policy?: WitnessPolicy; now?: Date } = {}): ProofVerdict {
  const o = openCheckpoint(checkpoint, verifier);
  if (!o.ok) return { ok: false, reason: `checkpoint: ${o.reason}` };
  if (opts.policy) {
    const w = checkWitnessPolicy(checkpoint, opts.policy, opts.now);
    if (!w.ok) return { ok: false, reason: `checkpoint: ${w.reason}` };
  }
  if (!(entryBytes instanceof Uint8Array)) return { ok: false, reason: 'entryBytes: expected a Uint8Array' };
  const cp = o.checkpoint;
  if (!verifyInclusion(leafIndex, cp.size, leafHash(entryBytes), proof, cp.rootHash)) return { ok: false, reason: `the proof does not place this entry at index ${leafIndex} of the log of size ${cp.size}` };
  return { ok: true, treeSize: cp.size };
}

/** Whether the signed checkpoint `newer` extends the signed checkpoint `older`, given the consistency `proof`. */
export function verifyCheckpointExtends(older: string, newer: string, proof: readonly Uint8Array[], verifier: NoteVerifier): ProofVerdict {
  const a = openCheckpoint(older, verifier);
  if (!a.ok) return { ok: false, reason: `older checkpoint: ${a.reason}` };
  const b = openCheckpoint(newer, verifier);
  if (!b.ok) return { ok: false, reason: `newer checkpoint: ${b.reason}` };
  const [c1, c2] = [a.checkpoint, b.checkpoint];
  if (c1.size > c2.size) return { ok: false, reason: `the newer checkpoint (size ${c2.size}) is smaller than the older (size ${c1.size}): rollback` };
  if (!verifyConsistency(c1.size, c2.size, proof, c1.rootHash, c2.rootHash)) return { ok: false, reason: `no valid consistency proof from size ${c1.size} to ${c2.size}: the log forked or the proof is wrong` };
  return { ok: true, treeSize: c2.size };
}
