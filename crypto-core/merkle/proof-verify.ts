/**
 * @module crypto-core/merkle/proof-verify
 * Verification of RFC 9162 inclusion proofs (section 2.1.3.2) and consistency proofs (section
 * 2.1.4.2), step by step as the RFC writes them. Both return false, never throw, on any bad
 * input (noble habit): an auditor treats "malformed" and "does not verify" alike.
 *
 * Tree sizes may exceed 2^32, so the RFC's shifts and LSB tests use division and remainder on
 * safe integers instead of JavaScript's 32-bit bit operators.
 */
import { bytesEqual, emptyRoot, HASH_LENGTH, nodeHashUnchecked } from './hashing.js';

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isHashList(p: unknown): p is Uint8Array[] {
  return Array.isArray(p) && p.every((h) => h instanceof Uint8Array);
}

const lsb = (x: number): boolean => x % 2 === 1;
const shr = (x: number): number => Math.floor(x / 2);

/**
 * Whether `proof` shows that `leafHash` is leaf `leafIndex` of the tree of `treeSize` leaves
 * whose root is `root` (RFC 9162 section 2.1.3.2).
 */
export function verifyInclusion(leafIndex: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[] | null, root: Uint8Array): boolean {
  const path = proof ?? [];
  if (!isSize(leafIndex) || !isSize(treeSize) || !isHashList(path)) return false;
  // The RFC's `hash` is a leaf hash: anything but 32 bytes is not one.
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_LENGTH || !(root instanceof Uint8Array)) return false;
  // 1. leaf_index must be below tree_size.
  if (leafIndex >= treeSize) return false;
  // 2.-3.
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  // 4.
  for (const p of path) {
    if (p.length !== HASH_LENGTH) return false;
    // 4a. A proof longer than the path to the root.
    if (sn === 0) return false;
    // 4b.
    if (lsb(fn) || fn === sn) {
      r = nodeHashUnchecked(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = shr(fn);
          sn = shr(sn);
        }
      }
    } else {
      r = nodeHashUnchecked(r, p);
    }
    // 4c.
    fn = shr(fn);
    sn = shr(sn);
  }
  // 5.
  return sn === 0 && bytesEqual(r, root);
}

/**
 * Whether `proof` shows that the tree of `size2` leaves with root `root2` extends the tree of
 * `size1` leaves with root `root1` (RFC 9162 section 2.1.4.2).
 *
 * Two cases sit outside the RFC's algorithm, which assumes 0 < first < second: equal sizes are
 * consistent exactly when the proof is empty and the roots are equal (and, at size 0, equal to
 * the empty-tree hash); a proof from the empty tree proves nothing and is rejected, since any
 * tree "extends" it and accepting a non-empty proof there would accept garbage.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[] | null, root1: Uint8Array, root2: Uint8Array): boolean {
  const path = proof ?? [];
  if (!isSize(size1) || !isSize(size2) || !isHashList(path)) return false;
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array)) return false;
  if (size1 > size2) return false;
  if (size1 === size2) {
    if (path.length !== 0 || !bytesEqual(root1, root2)) return false;
    return size1 !== 0 || bytesEqual(root1, emptyRoot());
  }
  if (size1 === 0) return false;
  if (path.some((h) => h.length !== HASH_LENGTH)) return false;
  // 1. An empty path cannot connect two different sizes.
  if (path.length === 0) return false;
  // 2. When first is a power of two, the old root is itself a node of the new tree.
  const c: readonly Uint8Array[] = exactPowerOfTwo(size1) ? [root1, ...path] : path;
  // 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 4.
  while (lsb(fn)) {
    fn = shr(fn);
    sn = shr(sn);
  }
  // 5.
  let fr = c[0]!;
  let sr = c[0]!;
  // 6.
  for (let i = 1; i < c.length; i++) {
    const h = c[i]!;
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHashUnchecked(h, fr);
      sr = nodeHashUnchecked(h, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = shr(fn);
          sn = shr(sn);
        }
      }
    } else {
      sr = nodeHashUnchecked(sr, h);
    }
    fn = shr(fn);
    sn = shr(sn);
  }
  // 7.
  return bytesEqual(fr, root1) && bytesEqual(sr, root2) && sn === 0;
}

function exactPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}
