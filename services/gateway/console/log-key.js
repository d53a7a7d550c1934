/**
 * @module console/log-key
 * The pinned audit log key: a C2SP note verifier key `<origin>+<8 hex key id>+<base64(0x01 ||
 * Ed25519 public key)>` (crypto-core/checkpoint signed-note), parsed and checked (the key id
 * must be the first 4 bytes of SHA-256(origin || 0x0A || 0x01 || key)), imported into WebCrypto
 * as an Ed25519 verification key, with a fingerprint (SHA-256 of the public key) to show.
 */
import { bytesEqual, concat, fromBase64, sha256, toHex } from './bytes.js';

/**
 * @typedef {{ text: string, name: string, keyId: number, publicKey: Uint8Array, fingerprint: string, key: CryptoKey }} LogKey
 */

/**
 * Parses and imports a verifier key. @param {string} text
 * @returns {Promise<LogKey>} @throws Error naming what is wrong
 */
export async function parseLogKey(text) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(String(text).trim());
  if (!m) throw new Error('log key: expected <origin>+<8 hex key id>+<base64 key>');
  const [, name, idHex, b64] = m;
  let typed;
  try {
    typed = fromBase64(b64);
  } catch {
    throw new Error('log key: the key is not base64');
  }
  if (typed.length !== 33 || typed[0] !== 0x01) throw new Error('log key: only Ed25519 keys (type 0x01, 32 bytes) are supported');
  const publicKey = typed.slice(1);
  const keyId = await noteKeyId(name, publicKey);
  if (keyId !== parseInt(idHex, 16)) throw new Error('log key: the key id does not match the origin and key');
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  const fp = toHex(await sha256(publicKey));
  return { text: String(text).trim(), name, keyId, publicKey, fingerprint: fp.match(/.{4}/g).slice(0, 8).join(' '), key };
}

/** The note key id of `name` and `publicKey`. @param {string} name @param {Uint8Array} publicKey */
export async function noteKeyId(name, publicKey) {
  const h = await sha256(concat(new TextEncoder().encode(name), new Uint8Array([0x0a, 0x01]), publicKey));
  return new DataView(h.buffer).getUint32(0);
}

/** Whether two parsed keys are the same key. @param {LogKey} a @param {LogKey} b */
export const sameKey = (a, b) => a.name === b.name && bytesEqual(a.publicKey, b.publicKey);
