/**
 * @module services/audit/verify-export
 * Offline verification of an audit export, shared by `mpc audit verify` and the SDK. Nothing
 * here trusts the coordinator: the verifier recomputes every leaf hash from the exported bytes,
 * rebuilds the RFC 9162 tree, and checks
 *
 * 1. the latest checkpoint's Ed25519 signature under the coordinator key the auditor trusts,
 *    and, with a witness policy, valid cosignatures of a quorum of its witnesses (C2SP
 *    tlog-cosignature), without which the checkpoint may be one shown to this auditor only;
 * 2. every entry: valid schema, canonical RFC 8785 bytes, `seq` equal to its position (so a
 *    dropped, duplicated or reordered entry is named), times never decreasing;
 * 3. that the export covers the checkpoint (else: truncated) and that the recomputed root at the
 *    checkpoint's size equals the signed root (else: an entry was altered; earlier checkpoints
 *    in the export narrow down where);
 * 4. every earlier checkpoint in the export: signed, never shrinking, no two of one size with
 *    different roots (a fork), each root reproduced by the entries;
 * 5. an earlier checkpoint the auditor kept (`trustedCheckpoint`): signed by the same key, not
 *    newer than the latest, and reproduced by the entries at its size. That is consistency in
 *    the strongest form (the verifier has all entries); an RFC 9162 consistency proof between
 *    the two is also generated from the entries and verified, as a light client would.
 *
 * Returns a verdict, never throws for bad content (only for arguments of the wrong type).
 */
import { openCheckpoint, parseVerifierKey, noteKeyId, type Checkpoint, type NoteVerifier } from '../../crypto-core/checkpoint/index.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { bytesEqual } from '../../crypto-core/merkle/hashing.js';
import { MerkleTree } from '../../crypto-core/merkle/merkle-tree.js';
import { verifyConsistency } from '../../crypto-core/merkle/proof-verify.js';
import { decodeAuditEntryText } from '../wire/audit-entry.js';
import type { AuditExport } from './export-files.js';
import { checkWitnessPolicy, type WitnessPolicy } from './witness-policy.js';

/** Why verification failed (stable codes for `--json`). */
export type ExportFailureCode =
  | 'checkpoint-signature'
  | 'entry-invalid'
  | 'entry-missing'
  | 'entry-reordered'
  | 'entry-time'
  | 'truncated'
  | 'root-mismatch'
  | 'checkpoint-history'
  | 'fork'
  | 'rollback'
  | 'trusted-checkpoint'
  | 'witness-quorum';

/** The verdict of {@link verifyExport}. */
export type ExportVerdict =
  | {
      ok: true;
      entries: number;
      origin: string;
      keyId: string;
      checkpointSize: number;
      rootHash: string;
      checkpointTime?: string;
      /** Entries after the latest checkpoint (valid, not yet signed). */
      unsignedTail: number;
      checkpointsChecked: number;
      trustedSize?: number;
      /** Witnesses whose cosignatures of the latest checkpoint verified (with a policy). */
      cosigners?: string[];
      summary: string;
    }
  | { ok: false; code: ExportFailureCode; entryIndex?: number; line?: number; reason: string; summary: string };

/** What to verify. */
export interface VerifyExportInput extends Pick<AuditExport, 'entries' | 'checkpoint'> {
  /** Earlier checkpoints from the export (optional). */
  checkpoints?: string[];
  /** The coordinator key: a verifier (name + key), a verifier-key text, or a 32-byte public key (its name is then the checkpoint's origin). */
  key: NoteVerifier | string | Uint8Array;
  /** A checkpoint note the auditor kept from an earlier look at the log. */
  trustedCheckpoint?: string;
  /** Witness policy (witness-policy.ts): the latest checkpoint needs a quorum of its witnesses' cosignatures. */
  policy?: WitnessPolicy;
  /** Clock for cosignature timestamps (default: now). */
  now?: Date;
}

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

function fail(code: ExportFailureCode, reason: string, at?: { entryIndex: number }): ExportVerdict {
  if (at) return { ok: false, code, entryIndex: at.entryIndex, line: at.entryIndex + 1, reason, summary: `FAIL entry ${at.entryIndex} (line ${at.entryIndex + 1}): ${reason}` };
  return { ok: false, code, reason, summary: `FAIL: ${reason}` };
}

function verifierFor(key: VerifyExportInput['key'], checkpoint: string): NoteVerifier {
  if (key instanceof Uint8Array) return { name: checkpoint.slice(0, Math.max(0, checkpoint.indexOf('\n'))), publicKey: key };
  if (typeof key === 'string') return parseVerifierKey(key);
  if (typeof key === 'object' && key !== null && typeof key.name === 'string' && key.publicKey instanceof Uint8Array) return key;
  throw new InvalidArgumentError('key: expected a verifier {name, publicKey}, a verifier-key string or a 32-byte public key');
}

/** Finds the line of the first entry whose `seq` equals `want`, scanning forward cheaply. */
function findSeq(count: number, line: (i: number) => string, from: number, want: number): number {
  const needle = `"seq":${want},`;
  const needleEnd = `"seq":${want}}`;
  for (let i = from; i < count; i++) {
    const l = line(i);
    if (l.includes(needle) || l.includes(needleEnd)) return i;
  }
  return -1;
}

/** Verifies an export; see the module comment for what is checked, in which order. */
export function verifyExport(input: VerifyExportInput): ExportVerdict {
  if (!(input?.entries instanceof Uint8Array)) throw new InvalidArgumentError('entries: expected the JSON Lines bytes');
  if (typeof input.checkpoint !== 'string') throw new InvalidArgumentError('checkpoint: expected the checkpoint note text');
  let verifier: NoteVerifier;
  try {
    verifier = verifierFor(input.key, input.checkpoint);
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw e;
    return fail('checkpoint-signature', `key: ${(e as Error).message}`);
  }
  const keyId = (() => {
    try {
      return noteKeyId(verifier.name, verifier.publicKey).toString(16).padStart(8, '0');
    } catch {
      return '????????';
    }
  })();

  // 1. The latest checkpoint.
  const opened = openCheckpoint(input.checkpoint, verifier);
  if (!opened.ok) return fail('checkpoint-signature', `latest checkpoint does not verify under key ${verifier.name} (${keyId}): ${opened.reason}`);
  const cp = opened.checkpoint;

  // 1b. Its witnesses: a checkpoint shown only to this auditor (a split view) has no quorum.
  let cosigners: string[] | undefined;
  if (input.policy) {
    const w = checkWitnessPolicy(input.checkpoint, input.policy, input.now);
    if (!w.ok) return fail('witness-quorum', `latest checkpoint (size ${cp.size}): ${w.reason}`);
    cosigners = w.cosigners;
  }

  // 2. Entries. Lines are cut from the bytes (hashed as they are) and decoded once as text.
  const bytes = input.entries;
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
    let nl = 0;
    for (const b of bytes) if (b === 0x0a) nl++;
    return fail('entry-invalid', 'last line has no final newline (the file was cut off)', { entryIndex: nl });
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lineStarts: number[] = [];
  for (let p = 0; p < bytes.length; ) {
    lineStarts.push(p);
    const nl = bytes.indexOf(0x0a, p);
    p = nl + 1;
  }
  // Only for locating a misplaced entry: lenient, so a later bad byte cannot throw here.
  const lenient = new TextDecoder('utf-8');
  const lineText = (i: number): string => lenient.decode(bytes.subarray(lineStarts[i]!, (lineStarts[i + 1] ?? bytes.length) - 1));
  const tree = new MerkleTree();
  let lastTime = -Infinity;
  for (let i = 0; i < lineStarts.length; i++) {
    const raw = bytes.subarray(lineStarts[i]!, (lineStarts[i + 1] ?? bytes.length) - 1);
    let entry;
    try {
      entry = decodeAuditEntryText(decoder.decode(raw), `entry ${i}`);
    } catch (e) {
      const reason = e instanceof TypeError ? `entry ${i}: not UTF-8` : (e as Error).message;
      return fail('entry-invalid', reason, { entryIndex: i });
    }
    if (entry.seq !== i) {
      if (entry.seq < i) return fail('entry-reordered', `holds seq ${entry.seq}, expected ${i}: entry ${entry.seq} appears twice or entries were reordered`, { entryIndex: i });
      const at = findSeq(lineStarts.length, lineText, i + 1, i);
      if (at >= 0) return fail('entry-reordered', `holds seq ${entry.seq}, expected ${i}; entry ${i} is at line ${at + 1}: entries were reordered`, { entryIndex: i });
      return fail('entry-missing', `holds seq ${entry.seq}, expected ${i}: entr${entry.seq - i > 1 ? `ies ${i}..${entry.seq - 1} are` : `y ${i} is`} missing (dropped)`, { entryIndex: i });
    }
    const t = Date.parse(entry.time);
    if (t < lastTime) return fail('entry-time', `time ${entry.time} is earlier than the previous entry's`, { entryIndex: i });
    lastTime = t;
    tree.appendEntry(raw);
  }
  const n = tree.size;

  // 3. Coverage and root.
  if (n < cp.size) return fail('truncated', `the export has ${n} entries but the signed checkpoint covers ${cp.size}: entries ${n}..${cp.size - 1} are missing (log truncated)`);

  // 4. Checkpoint history, which also localises an altered entry.
  const history: Checkpoint[] = [];
  for (const [i, note] of (input.checkpoints ?? []).entries()) {
    const o = openCheckpoint(note, verifier);
    if (!o.ok) return fail('checkpoint-history', `checkpoint ${i + 1} of the export's history does not verify: ${o.reason}`);
    history.push(o.checkpoint);
  }
  const all = [...history, cp].sort((a, b) => a.size - b.size);
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.size === all[i - 1]!.size && !bytesEqual(all[i]!.rootHash, all[i - 1]!.rootHash)) {
      return fail('fork', `two checkpoints of size ${all[i]!.size} signed by ${verifier.name} have different roots: the log presented a forked history`);
    }
  }
  for (let i = 1; i < history.length; i++) {
    if (history[i]!.size < history[i - 1]!.size) return fail('checkpoint-history', `checkpoint ${i + 1} (size ${history[i]!.size}) is smaller than the one before it (size ${history[i - 1]!.size}): the log shrank`);
  }
  if (!bytesEqual(tree.root(cp.size), cp.rootHash)) {
    // The last checkpoint the entries still reproduce bounds the altered entry from below.
    let good = 0;
    let bad = cp.size;
    for (const h of all) {
      if (h.size > n) continue;
      if (bytesEqual(tree.root(h.size), h.rootHash)) good = Math.max(good, h.size);
      else if (h.size > good) bad = Math.min(bad, h.size);
    }
    const where = bad - good === 1 ? `entry ${good} was altered` : `an entry in ${good}..${bad - 1} was altered`;
    const range = bad - good === 1 ? `${good}` : `${good}..${bad - 1}`;
    const reason = `the recomputed root of the first ${cp.size} entries does not match the signed checkpoint: ${where}`;
    return { ok: false, code: 'root-mismatch', entryIndex: good, line: good + 1, reason, summary: `FAIL entry ${range}: ${reason}` };
  }
  for (const h of history) {
    if (!bytesEqual(tree.root(h.size), h.rootHash)) return fail('fork', `the entries do not reproduce the signed checkpoint of size ${h.size}: history was rewritten after it was signed`);
  }

  // 5. The auditor's own earlier checkpoint.
  let trustedSize: number | undefined;
  if (input.trustedCheckpoint !== undefined) {
    const t = openCheckpoint(input.trustedCheckpoint, verifier);
    if (!t.ok) return fail('trusted-checkpoint', `the trusted checkpoint does not verify under key ${verifier.name}: ${t.reason}`);
    const tc = t.checkpoint;
    if (tc.size > cp.size) return fail('rollback', `the latest checkpoint (size ${cp.size}) is older than the trusted checkpoint (size ${tc.size}): the log was truncated or rolled back`);
    if (tc.size === cp.size && !bytesEqual(tc.rootHash, cp.rootHash)) {
      return fail('fork', `two checkpoints of size ${tc.size} with different roots (trusted ${hex(tc.rootHash).slice(0, 16)}..., latest ${hex(cp.rootHash).slice(0, 16)}...): forked history`);
    }
    if (!bytesEqual(tree.root(tc.size), tc.rootHash)) {
      return fail('fork', `the entries do not reproduce the trusted checkpoint of size ${tc.size}: the log's history was rewritten (forked) since the auditor saw it`);
    }
    if (tc.size > 0 && tc.size < cp.size) {
      const proof = tree.consistencyProof(tc.size, cp.size);
      if (!verifyConsistency(tc.size, cp.size, proof, tc.rootHash, cp.rootHash)) return fail('fork', `no valid consistency proof from size ${tc.size} to ${cp.size}`);
    }
    trustedSize = tc.size;
  }

  const unsignedTail = n - cp.size;
  const parts = [`ok: ${n} entries, root ${hex(cp.rootHash)} at size ${cp.size} signed by ${verifier.name} (key ${keyId})${cp.time ? ` at ${cp.time.toISOString()}` : ''}`];
  if (history.length) parts.push(`${history.length} earlier checkpoints reproduced`);
  parts.push(trustedSize !== undefined ? `consistent with the trusted checkpoint of size ${trustedSize}` : 'no trusted checkpoint given');
  if (cosigners && input.policy) parts.push(`cosigned by ${cosigners.length} of ${input.policy.witnesses.length} witnesses (${cosigners.join(', ')}; policy quorum ${input.policy.quorum})`);
  if (unsignedTail > 0) parts.push(`${unsignedTail} newer entries are valid but not yet covered by a checkpoint`);
  return {
    ok: true,
    entries: n,
    origin: cp.origin,
    keyId,
    checkpointSize: cp.size,
    rootHash: hex(cp.rootHash),
    ...(cp.time ? { checkpointTime: cp.time.toISOString() } : {}),
    unsignedTail,
    checkpointsChecked: history.length,
    ...(trustedSize !== undefined ? { trustedSize } : {}),
    ...(cosigners ? { cosigners } : {}),
    summary: parts.join('; '),
  };
}
