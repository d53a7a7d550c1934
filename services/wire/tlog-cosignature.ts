/**
 * @module services/wire/tlog-cosignature
 * Ed25519 witness cosignatures of C2SP tlog-cosignature (c2sp.org/tlog-cosignature, the
 * `cosignature/v1` type 0x04), applied to our audit checkpoints (crypto-core/checkpoint):
 *
 * - a cosignature is a signed-note signature line `— <witness name> base64(key ID || timestamp || signature)`;
 * - key ID = SHA-256(name || "\n" || 0x04 || 32-byte Ed25519 public key)[0:4];
 * - `timestamp` is a big-endian u64, POSIX seconds, below 2^63;
 * - the signed message is `cosignature/v1\n` `time <timestamp>\n` followed by the whole note
 *   body of the checkpoint (origin, size, root and extension lines, final newline included).
 *
 * A v1 cosignature says: as of `timestamp`, the largest consistent tree head the witness has
 * seen for this origin has this root. The witness key in this project is the party's Ed25519
 * identity key: every other message a party signs is canonical JSON (`{` first), so no
 * cosignature message (`cosignature/v1\n` first) can be mistaken for one of them, and each key
 * serves exactly one cosigner name (the party id), as the spec requires of Ed25519 cosigners.
 */
import { createHash } from 'node:crypto';
import { fromBase64, toBase64 } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { isValidKeyName, parseNote } from '../../crypto-core/checkpoint/index.js';
import { SIGNATURE_LENGTH, SIGNING_PUBLIC_KEY_LENGTH, SIGNING_SECRET_KEY_LENGTH, sign, signingPublicKey, verifySignature } from '../../crypto-core/keys/signing.js';

/** Signature type byte of Ed25519 cosignature/v1 keys. */
export const COSIGNATURE_V1_TYPE = 0x04;
/** Length of a cosignature blob: key ID, timestamp, Ed25519 signature. */
const BLOB_LENGTH = 4 + 8 + SIGNATURE_LENGTH;
const MAX_TIMESTAMP = (1n << 63n) - 1n;
const SIG_PREFIX = '\u2014 ';

/** A witness that signs: name and 32-byte Ed25519 secret key. */
export interface CosignerKey {
  name: string;
  secretKey: Uint8Array;
}

/** A witness as a verifier knows it: name and 32-byte Ed25519 public key. */
export interface CosignerVerifier {
  name: string;
  publicKey: Uint8Array;
}

/** One cosignature that verified. */
export interface VerifiedCosignature {
  name: string;
  /** POSIX seconds from the cosignature. */
  timestamp: number;
}

function checkName(name: unknown, what: string): string {
  if (!isValidKeyName(name)) throw new InvalidArgumentError(`${what}: expected a non-empty key name without spaces or '+', got ${JSON.stringify(name)}`);
  return name;
}

/** Key ID of a cosigner: SHA-256(name || 0x0A || 0x04 || public key)[0:4], big-endian. */
export function cosignerKeyId(name: string, publicKey: Uint8Array): number {
  checkName(name, 'name');
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== SIGNING_PUBLIC_KEY_LENGTH) throw new InvalidArgumentError(`publicKey: expected a ${SIGNING_PUBLIC_KEY_LENGTH}-byte Uint8Array`);
  return createHash('sha256').update(name, 'utf8').update(new Uint8Array([0x0a, COSIGNATURE_V1_TYPE])).update(publicKey).digest().readUInt32BE(0);
}

/** The signed message of a cosignature/v1: header line, time line, note body. */
export function cosignatureMessage(body: string, timestamp: number): Uint8Array {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw new InvalidArgumentError('body: expected note text ending in a newline');
  checkTimestamp(timestamp);
  return new TextEncoder().encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
}

function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new InvalidArgumentError(`timestamp: expected a non-negative integer of POSIX seconds, got ${timestamp}`);
}

/**
 * Cosigns the note body `body` (checkpoint text without signatures) at `timestamp` (POSIX
 * seconds) and returns the signature line, newline-terminated.
 */
export function cosignCheckpoint(body: string, key: CosignerKey, timestamp: number): string {
  checkName(key?.name, 'key.name');
  if (!(key.secretKey instanceof Uint8Array) || key.secretKey.length !== SIGNING_SECRET_KEY_LENGTH) throw new InvalidArgumentError(`key.secretKey: expected a ${SIGNING_SECRET_KEY_LENGTH}-byte Uint8Array`);
  const sig = sign(cosignatureMessage(body, timestamp), key.secretKey);
  const blob = new Uint8Array(BLOB_LENGTH);
  const view = new DataView(blob.buffer);
  view.setUint32(0, cosignerKeyId(key.name, signingPublicKey(key.secretKey)));
  view.setBigUint64(4, BigInt(timestamp));
  blob.set(sig, 12);
  return `${SIG_PREFIX}${key.name} ${toBase64(blob)}\n`;
}

/** The timestamp of a cosignature blob (key ID, u64, signature), or null when it is not one. */
export function cosignatureTimestamp(blob: Uint8Array): number | null {
  if (!(blob instanceof Uint8Array) || blob.length !== BLOB_LENGTH) return null;
  const t = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getBigUint64(4);
  return t > MAX_TIMESTAMP || t > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(t);
}

/** The verifier key text of a cosigner: `<name>+<hex key ID>+<base64(0x04 || public key)>`. */
export function encodeCosignerVkey(v: CosignerVerifier): string {
  const typed = new Uint8Array(1 + SIGNING_PUBLIC_KEY_LENGTH);
  typed[0] = COSIGNATURE_V1_TYPE;
  typed.set(v.publicKey, 1);
  return `${v.name}+${cosignerKeyId(v.name, v.publicKey).toString(16).padStart(8, '0')}+${toBase64(typed)}`;
}

/**
 * Parses a cosigner verifier key (type 0x04), checking its key ID.
 * @throws InvalidArgumentError naming what is wrong.
 */
export function parseCosignerVkey(vkey: string): CosignerVerifier {
  const m = typeof vkey === 'string' ? /^([^+]*)\+([0-9a-f]{8})\+(.*)$/s.exec(vkey.trim()) : null;
  if (!m) throw new InvalidArgumentError('vkey: expected <name>+<8 hex key id>+<base64 key>');
  const [, name, idHex, b64] = m as unknown as [string, string, string, string];
  checkName(name, 'vkey name');
  let typed: Uint8Array;
  try {
    typed = fromBase64(b64, 'vkey key');
  } catch (cause) {
    throw new InvalidArgumentError('vkey: key is not base64', { cause });
  }
  if (typed.length !== 1 + SIGNING_PUBLIC_KEY_LENGTH || typed[0] !== COSIGNATURE_V1_TYPE) throw new InvalidArgumentError('vkey: expected an Ed25519 cosignature/v1 key (type 0x04, 32 bytes)');
  const publicKey = typed.slice(1);
  if (cosignerKeyId(name, publicKey) !== parseInt(idHex, 16)) throw new InvalidArgumentError('vkey: key id does not match the name and key');
  return { name, publicKey };
}

/** What {@link verifyCosignatures} found in a note. */
export interface CosignatureCheck {
  /** Cosignatures that verified, at most one per witness (the first). */
  valid: VerifiedCosignature[];
  /** Lines naming a known witness (name and key ID) that did not verify, with the reason. */
  invalid: { name: string; reason: string }[];
}

/**
 * Checks the cosignatures of `note` by `witnesses`. Lines by other keys are ignored, as the
 * spec requires. Never throws: a malformed note has no valid cosignatures.
 * @param maxTimestamp - reject cosignatures dated after this (POSIX seconds); default: no limit.
 */
export function verifyCosignatures(note: string, witnesses: readonly CosignerVerifier[], maxTimestamp = Number.MAX_SAFE_INTEGER): CosignatureCheck {
  const out: CosignatureCheck = { valid: [], invalid: [] };
  let parsed: ReturnType<typeof parseNote>;
  try {
    parsed = parseNote(note);
  } catch (e) {
    out.invalid.push({ name: '*', reason: (e as Error).message });
    return out;
  }
  for (const w of witnesses) {
    let id: number;
    try {
      id = cosignerKeyId(w.name, w.publicKey);
    } catch (e) {
      out.invalid.push({ name: String(w?.name), reason: (e as Error).message });
      continue;
    }
    for (const s of parsed.signatures) {
      if (s.name !== w.name || s.keyId !== id) continue;
      const blob = new Uint8Array(4 + s.signature.length);
      blob.set(s.signature, 4);
      const t = cosignatureTimestamp(blob);
      if (t === null) {
        out.invalid.push({ name: w.name, reason: `the cosignature by ${w.name} is not ${BLOB_LENGTH} bytes of key id, timestamp and signature` });
        continue;
      }
      if (t > maxTimestamp) {
        out.invalid.push({ name: w.name, reason: `the cosignature by ${w.name} is dated ${t}, in the future` });
        continue;
      }
      if (!verifySignature(s.signature.slice(8), cosignatureMessage(parsed.text, t), w.publicKey)) {
        out.invalid.push({ name: w.name, reason: `the cosignature by ${w.name} does not verify over this checkpoint` });
        continue;
      }
      if (!out.valid.some((v) => v.name === w.name)) out.valid.push({ name: w.name, timestamp: t });
    }
  }
  return out;
}

/** Appends signature lines to a note (which already ends in its signature lines). */
export function addSignatureLines(note: string, lines: readonly string[]): string {
  if (typeof note !== 'string' || !note.endsWith('\n')) throw new InvalidArgumentError('note: expected a signed note ending in a newline');
  for (const l of lines) {
    if (typeof l !== 'string' || !l.startsWith(SIG_PREFIX) || !l.endsWith('\n') || l.slice(0, -1).includes('\n')) throw new InvalidArgumentError('lines: each must be one signature line starting with an em dash and ending in a newline');
  }
  return note + lines.join('');
}
