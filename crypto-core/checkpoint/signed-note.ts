/**
 * @module crypto-core/checkpoint/signed-note
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, byte-compatible with Go's
 * `golang.org/x/mod/sumdb/note` and the transparency-dev tooling:
 *
 * ```
 * <text: lines, each ending in \n>
 * <blank line>
 * — <key name> <base64(key ID (4 bytes, big-endian) || Ed25519 signature (64 bytes))>\n
 * ```
 *
 * The signature covers the text including its final newline, not the blank line. Key ID =
 * SHA-256(name || 0x0A || 0x01 || public key)[0:4], 0x01 being the Ed25519 signature type. A
 * verifier key is written `<name>+<hex key ID>+<base64(0x01 || public key)>`. Signature lines
 * from keys the verifier does not know are ignored, as the spec requires (they may be witness
 * cosignatures); a line that names the verifier's key and fails to verify rejects the note.
 */
import { createHash } from 'node:crypto';
import { fromBase64, toBase64 } from '../encoding.js';
import { InvalidArgumentError } from '../errors.js';
import { SIGNATURE_LENGTH, SIGNING_PUBLIC_KEY_LENGTH, SIGNING_SECRET_KEY_LENGTH, sign, signingPublicKey, verifySignature } from '../keys/signing.js';
import { SignedNoteFormatError } from './errors.js';

/** Signature type byte of Ed25519 in signed notes. */
export const ED25519_SIGNATURE_TYPE = 0x01;
/** The em dash and space that open every signature line. */
const SIG_PREFIX = '\u2014 ';
/** Go's note.Open refuses more; so do we, to bound work on hostile input. */
const MAX_SIGNATURES = 100;

/** A signer: key name and 32-byte Ed25519 secret key (seed). */
export interface NoteSigner {
  name: string;
  secretKey: Uint8Array;
}

/** A verifier: key name and 32-byte Ed25519 public key. */
export interface NoteVerifier {
  name: string;
  publicKey: Uint8Array;
}

/** One parsed signature line. */
export interface NoteSignature {
  name: string;
  /** The 4-byte key ID as an unsigned 32-bit integer. */
  keyId: number;
  /** The signature bytes after the key ID. */
  signature: Uint8Array;
}

/** Outcome of {@link verifyNote}. */
export type NoteVerification = { ok: true; text: string } | { ok: false; reason: string };

/** Whether `name` is a valid key name: non-empty, no Unicode white space, no '+'. */
export function isValidKeyName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name) && !name.includes('\u2014');
}

/** The key ID of an Ed25519 key: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || key), big-endian. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  if (!isValidKeyName(name)) throw new InvalidArgumentError(`name: expected a non-empty key name without spaces or '+', got ${JSON.stringify(name)}`);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== SIGNING_PUBLIC_KEY_LENGTH) throw new InvalidArgumentError(`publicKey: expected ${SIGNING_PUBLIC_KEY_LENGTH}-byte Uint8Array`);
  const h = createHash('sha256').update(name, 'utf8').update(new Uint8Array([0x0a, ED25519_SIGNATURE_TYPE])).update(publicKey).digest();
  return h.readUInt32BE(0);
}

/** The verifier key text `<name>+<hex key ID>+<base64(0x01 || public key)>`. */
export function encodeVerifierKey(v: NoteVerifier): string {
  const id = noteKeyId(v.name, v.publicKey);
  const typed = new Uint8Array(1 + SIGNING_PUBLIC_KEY_LENGTH);
  typed[0] = ED25519_SIGNATURE_TYPE;
  typed.set(v.publicKey, 1);
  return `${v.name}+${id.toString(16).padStart(8, '0')}+${toBase64(typed)}`;
}

/**
 * Parses a verifier key text, checking that its key ID matches its name and key.
 * @throws SignedNoteFormatError naming what is wrong.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string') throw new SignedNoteFormatError(`vkey: expected a string, got ${typeof vkey}`);
  // Names and hex ids have no '+', but base64 may: split at the first two only.
  const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(vkey.trim());
  if (!m) throw new SignedNoteFormatError('vkey: expected <name>+<hex key id>+<base64 key>');
  const [, name, idHex, b64] = m as unknown as [string, string, string, string];
  if (!isValidKeyName(name)) throw new SignedNoteFormatError(`vkey: invalid key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new SignedNoteFormatError('vkey: key id must be 8 lower-case hex digits');
  let typed: Uint8Array;
  try {
    typed = fromBase64(b64, 'vkey key');
  } catch (e) {
    throw new SignedNoteFormatError('vkey: key is not base64', { cause: e });
  }
  if (typed.length !== 1 + SIGNING_PUBLIC_KEY_LENGTH || typed[0] !== ED25519_SIGNATURE_TYPE) throw new SignedNoteFormatError('vkey: only Ed25519 keys (type 0x01, 32 bytes) are supported');
  const publicKey = typed.slice(1);
  if (noteKeyId(name, publicKey) !== parseInt(idHex, 16)) throw new SignedNoteFormatError('vkey: key id does not match the name and key');
  return { name, publicKey };
}

function checkText(text: unknown): string {
  if (typeof text !== 'string') throw new InvalidArgumentError(`text: expected a string, got ${typeof text}`);
  if (!text.endsWith('\n')) throw new InvalidArgumentError('text: must end with a newline');
  if (text.includes('\n\n') || text.startsWith('\n')) throw new InvalidArgumentError('text: must not contain a blank line');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new InvalidArgumentError('text: must not contain control characters other than newline');
  return text;
}

/**
 * Signs `text` (lines ending in newline, no blank line) and returns the complete note: text,
 * blank line, one signature line, plus `extraSignatureLines` carried over unchanged.
 */
export function signNote(text: string, signer: NoteSigner, extraSignatureLines: readonly string[] = []): string {
  checkText(text);
  if (!isValidKeyName(signer?.name)) throw new InvalidArgumentError(`signer.name: expected a non-empty key name without spaces or '+', got ${JSON.stringify(signer?.name)}`);
  if (!(signer.secretKey instanceof Uint8Array) || signer.secretKey.length !== SIGNING_SECRET_KEY_LENGTH) throw new InvalidArgumentError(`signer.secretKey: expected ${SIGNING_SECRET_KEY_LENGTH}-byte Uint8Array`);
  const pub = signingPublicKey(signer.secretKey);
  const sig = sign(new TextEncoder().encode(text), signer.secretKey);
  const blob = new Uint8Array(4 + sig.length);
  new DataView(blob.buffer).setUint32(0, noteKeyId(signer.name, pub));
  blob.set(sig, 4);
  const lines = [`${SIG_PREFIX}${signer.name} ${toBase64(blob)}\n`, ...extraSignatureLines.map((l) => (l.endsWith('\n') ? l : l + '\n'))];
  return `${text}\n${lines.join('')}`;
}

/**
 * Splits a note into its text and signature lines (syntax only, nothing verified).
 * @throws SignedNoteFormatError naming the first malformed part.
 */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (typeof note !== 'string') throw new SignedNoteFormatError(`note: expected a string, got ${typeof note}`);
  if (!note.endsWith('\n')) throw new SignedNoteFormatError('note: must end with a newline');
  // The text cannot contain a blank line, so the last blank line separates text from signatures.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new SignedNoteFormatError('note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  try {
    checkText(text);
  } catch (e) {
    throw new SignedNoteFormatError(`note: malformed text (${(e as Error).message})`, { cause: e });
  }
  const sigLines = note.slice(split + 2, -1).split('\n');
  if (sigLines.length > MAX_SIGNATURES) throw new SignedNoteFormatError(`note: more than ${MAX_SIGNATURES} signatures`);
  const signatures = sigLines.map((line, i) => {
    if (!line.startsWith(SIG_PREFIX)) throw new SignedNoteFormatError(`note: signature line ${i + 1} does not start with an em dash and a space`);
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.lastIndexOf(' ');
    const name = rest.slice(0, sp);
    if (sp < 0 || !isValidKeyName(name)) throw new SignedNoteFormatError(`note: signature line ${i + 1} has no valid key name`);
    let blob: Uint8Array;
    try {
      blob = fromBase64(rest.slice(sp + 1), 'signature');
    } catch (e) {
      throw new SignedNoteFormatError(`note: signature line ${i + 1} is not base64`, { cause: e });
    }
    if (blob.length < 5) throw new SignedNoteFormatError(`note: signature line ${i + 1} is too short`);
    return { name, keyId: new DataView(blob.buffer, blob.byteOffset).getUint32(0), signature: blob.slice(4) };
  });
  return { text, signatures };
}

/**
 * Verifies the note's signature by `verifier`. Never throws: malformed notes, missing or bad
 * signatures come back as `{ ok: false, reason }`.
 */
export function verifyNote(note: string, verifier: NoteVerifier): NoteVerification {
  let parsed: ReturnType<typeof parseNote>;
  let id: number;
  try {
    parsed = parseNote(note);
    id = noteKeyId(verifier.name, verifier.publicKey);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const mine = parsed.signatures.filter((s) => s.name === verifier.name && s.keyId === id);
  if (mine.length === 0) {
    const names = parsed.signatures.map((s) => `${s.name} (key id ${s.keyId.toString(16).padStart(8, '0')})`).join(', ');
    return { ok: false, reason: `no signature by key ${verifier.name} (key id ${id.toString(16).padStart(8, '0')}); the note is signed by ${names}` };
  }
  const msg = new TextEncoder().encode(parsed.text);
  for (const s of mine) {
    if (s.signature.length !== SIGNATURE_LENGTH || !verifySignature(s.signature, msg, verifier.publicKey)) {
      return { ok: false, reason: `the signature by ${verifier.name} does not verify` };
    }
  }
  return { ok: true, text: parsed.text };
}
