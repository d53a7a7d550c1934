/**
 * @module console/merkle
 * RFC 9162 Merkle tree hashing and proof verification in the browser, with WebCrypto SHA-256:
 * a leaf is SHA-256(0x00 || entry), an inner node SHA-256(0x01 || left || right). The two
 * verifiers follow RFC 9162 section 2.1.3.2 (inclusion) and 2.1.4.2 (consistency) step by step,
 * as crypto-core/merkle/proof-verify does on the server side; sizes use division, not bit
 * operators, so they stay exact beyond 2^32. Both answer `false`, never throw, on a bad proof.
 */
import { bytesEqual, concat, sha256 } from './bytes.js';

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

/** @param {Uint8Array} entryBytes */
export const leafHash = (entryBytes) => sha256(concat(LEAF, entryBytes));
/** @param {Uint8Array} l @param {Uint8Array} r */
const nodeHash = (l, r) => sha256(concat(NODE, l, r));
/** @param {number} n */
const odd = (n) => n % 2 === 1;
/** @param {unknown} h */
const isHash = (h) => h instanceof Uint8Array && h.length === 32;
/** @param {number} n */
function isPowerOfTwo(n) {
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
/** @param {number} n */
const half = (n) => Math.floor(n / 2);

/**
 * Whether `proof` shows the leaf `leaf` at `index` in the tree of `size` leaves with root `root`.
 * @param {number} index @param {number} size @param {Uint8Array} leaf @param {Uint8Array[]} proof @param {Uint8Array} root
 */
export async function verifyInclusion(index, size, leaf, proof, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  // The RFC's hashes are 32 bytes: anything else is not a leaf hash or a node.
  if (!isHash(leaf) || !(root instanceof Uint8Array) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else r = await nodeHash(r, p);
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * Whether `proof` shows that the tree of `size2` leaves (root `root2`) extends the one of `size1` (root `root1`).
 * @param {number} size1 @param {number} size2 @param {Uint8Array} root1 @param {Uint8Array} root2 @param {Uint8Array[]} proof
 */
export async function verifyConsistency(size1, size2, root1, root2, proof) {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1) return false;
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array)) return false;
  // Equal sizes: an empty proof and equal roots (at size 0, the empty tree's hash).
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2) && (size1 !== 0 || bytesEqual(root1, await sha256(new Uint8Array(0))));
  // A proof from the empty tree proves nothing.
  if (size1 === 0 || proof.length === 0 || !proof.every(isHash)) return false;
  // A first size that is a power of two is a complete subtree: its root starts the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) [fn, sn] = [half(fn), half(sn)];
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!odd(fn)) while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else sr = await nodeHash(sr, c);
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}
