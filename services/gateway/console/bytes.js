/**
 * @module console/bytes
 * Byte helpers for the in-browser verification: hex, base64, comparison, SHA-256 (WebCrypto).
 */

/** @param {Uint8Array} u */
export const toHex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');

/** @param {string} s - lower-case hex @returns {Uint8Array} */
export function fromHex(s) {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) throw new Error(`expected lower-case hex, got ${JSON.stringify(String(s).slice(0, 20))}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** @param {string} s - standard base64 @returns {Uint8Array} */
export function fromBase64(s) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new Error('expected base64');
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

/** @param {Uint8Array} a @param {Uint8Array} b */
export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** @param {...Uint8Array} parts */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** SHA-256 with WebCrypto. @param {Uint8Array} data @returns {Promise<Uint8Array>} */
export async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}
