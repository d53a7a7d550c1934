/**
 * @module console/checkpoint
 * Opening a signed tree head in the browser: the C2SP signed note (text, a blank line, lines
 * `— <name> <base64(key id || signature)>`) is split as crypto-core/checkpoint does, the
 * signature by the pinned log key is verified with WebCrypto Ed25519 over the note text, and the
 * tlog checkpoint body (origin, size, base64 root, extension lines such as `time ...`) is read.
 * Signatures by other keys (witness cosignatures) are ignored; one by the pinned key that does
 * not verify rejects the note. Answers `{ ok: false, reason }`, never throws.
 */
import { fromBase64 } from './bytes.js';

/**
 * @typedef {{ ok: true, origin: string, size: number, root: Uint8Array, time?: string, note: string } | { ok: false, reason: string }} OpenedCheckpoint
 */

/**
 * @param {string} note @param {import('./log-key.js').LogKey} logKey
 * @returns {Promise<OpenedCheckpoint>}
 */
export async function openCheckpoint(note, logKey) {
  if (typeof note !== 'string' || !note.endsWith('\n')) return { ok: false, reason: 'checkpoint: not a signed note' };
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return { ok: false, reason: 'checkpoint: no blank line before the signatures' };
  const text = note.slice(0, split + 1);
  const mine = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) return { ok: false, reason: 'checkpoint: a malformed signature line' };
    let blob;
    try {
      blob = fromBase64(m[2]);
    } catch {
      return { ok: false, reason: 'checkpoint: a signature is not base64' };
    }
    if (blob.length < 5) return { ok: false, reason: 'checkpoint: a signature is too short' };
    const id = new DataView(blob.buffer).getUint32(0);
    if (m[1] === logKey.name && id === logKey.keyId) mine.push(blob.slice(4));
  }
  if (mine.length === 0) return { ok: false, reason: `checkpoint: no signature by the pinned key ${logKey.name}` };
  const msg = new TextEncoder().encode(text);
  for (const sig of mine) {
    if (sig.length !== 64 || !(await crypto.subtle.verify({ name: 'Ed25519' }, logKey.key, sig, msg))) {
      return { ok: false, reason: `checkpoint: the signature by ${logKey.name} does not verify (the signed tree head was altered or signed by another key)` };
    }
  }
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...ext] = lines;
  if (origin !== logKey.name) return { ok: false, reason: `checkpoint: origin ${origin} is not the key's name ${logKey.name}` };
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText ?? '')) return { ok: false, reason: 'checkpoint: malformed tree size' };
  let root;
  try {
    root = fromBase64(rootText ?? '');
  } catch {
    return { ok: false, reason: 'checkpoint: root is not base64' };
  }
  if (root.length !== 32) return { ok: false, reason: 'checkpoint: root is not 32 bytes' };
  const time = ext.find((l) => l.startsWith('time '))?.slice(5);
  return { ok: true, origin, size: Number(sizeText), root, ...(time ? { time } : {}), note };
}
