/**
 * @module crypto-core/merkle/merkle-tree
 * An append-only RFC 9162 Merkle tree with inclusion proofs (section 2.1.3.1) and consistency
 * proofs (section 2.1.4.1) for any earlier tree size.
 *
 * Storage: level 0 holds the leaf hashes; level k holds the hash of every *complete* subtree of
 * 2^k leaves aligned at a multiple of 2^k, computed once when its last leaf arrives (about one
 * extra hash per append, 2n hashes of memory in all). The RFC's recursive decomposition of any
 * tree size only ever splits at multiples of powers of two, so every subtree a proof needs is
 * either complete (one lookup) or lies on the right edge of the requested tree, and at most one
 * right-edge subtree per proof has to be hashed afresh: a proof costs O(log n) hashes, a few
 * microseconds at a million entries.
 */
import { InvalidArgumentError } from '../errors.js';
import { emptyRoot, HASH_LENGTH, leafHash as hashLeaf, nodeHashUnchecked } from './hashing.js';
import { HashArray } from './hash-array.js';

function checkSize(name: string, v: unknown, max: number, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(`${name}: expected an integer in [${min}, ${max}], got ${typeof v === 'number' ? v : typeof v}`);
  }
  return v;
}

/** Largest power of two strictly less than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2(n) when n is a power of two, else -1 (division, not bit operators: sizes exceed 2^32). */
function exactLog2(n: number): number {
  if (n < 1) return -1;
  let k = 0;
  while (n % 2 === 0) {
    n /= 2;
    k++;
  }
  return n === 1 ? k : -1;
}

/** Append-only Merkle tree over leaf hashes. */
export class MerkleTree {
  /** levels[k] = hashes of the complete aligned subtrees of 2^k leaves. */
  readonly #levels: HashArray[] = [new HashArray()];

  /** Number of leaves. */
  get size(): number {
    return this.#levels[0]!.length;
  }

  /** Appends the entry bytes as a new leaf; returns its index and leaf hash. */
  appendEntry(entry: Uint8Array): { index: number; leafHash: Uint8Array } {
    const h = hashLeaf(entry);
    return { index: this.appendLeafHash(h), leafHash: h };
  }

  /** Appends an already computed leaf hash (32 bytes); returns its index. */
  appendLeafHash(h: Uint8Array): number {
    if (!(h instanceof Uint8Array) || h.length !== HASH_LENGTH) throw new InvalidArgumentError(`leafHash: expected ${HASH_LENGTH}-byte Uint8Array`);
    const index = this.size;
    this.#levels[0]!.push(h);
    // Each time a level gains an even-numbered entry, a complete pair closes one level up.
    let k = 0;
    let count = index + 1;
    while (count % 2 === 0) {
      const lvl = this.#levels[k]!;
      const parent = nodeHashUnchecked(lvl.view(count - 2), lvl.view(count - 1));
      if (this.#levels.length === k + 1) this.#levels.push(new HashArray());
      this.#levels[k + 1]!.push(parent);
      k++;
      count /= 2;
    }
    return index;
  }

  /** A copy of the leaf hash at `index`. */
  leafHash(index: number): Uint8Array {
    checkSize('index', index, this.size - 1);
    return this.#levels[0]!.view(index).slice();
  }

  /** MTH(D[0:size]): the root of the tree of the first `size` leaves (default: all). */
  root(size: number = this.size): Uint8Array {
    checkSize('size', size, this.size);
    return this.#mth(0, size).slice();
  }

  /**
   * The inclusion proof PATH(index, D[0:treeSize]) of RFC 9162 section 2.1.3.1, leaf to root.
   * @throws InvalidArgumentError when `treeSize` exceeds the tree or `index` >= `treeSize`.
   */
  inclusionProof(index: number, treeSize: number = this.size): Uint8Array[] {
    checkSize('treeSize', treeSize, this.size, 1);
    checkSize('index', index, treeSize - 1);
    const path: Uint8Array[] = [];
    let start = 0;
    let end = treeSize;
    let m = index;
    // Walk root to leaf, collecting siblings; the RFC lists them leaf to root, so reverse.
    while (end - start > 1) {
      const k = splitPoint(end - start);
      if (m < k) {
        path.push(this.#mth(start + k, end));
        end = start + k;
      } else {
        path.push(this.#mth(start, start + k));
        start += k;
        m -= k;
      }
    }
    return path.reverse().map((h) => h.slice());
  }

  /**
   * The consistency proof PROOF(size1, D[0:size2]) of RFC 9162 section 2.1.4.1. Empty when the
   * sizes are equal (the roots themselves must then match).
   * @throws InvalidArgumentError unless 1 <= size1 <= size2 <= size.
   */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    checkSize('size2', size2, this.size, 1);
    checkSize('size1', size1, size2, 1);
    const out: Uint8Array[] = [];
    let start = 0;
    let end = size2;
    let m = size1;
    let b = true;
    // SUBPROOF(m, D[start:end], b), unrolled; siblings collected root-first, reversed at the end.
    while (true) {
      const n = end - start;
      if (m === n) {
        if (!b) out.push(this.#mth(start, end));
        break;
      }
      const k = splitPoint(n);
      if (m <= k) {
        out.push(this.#mth(start + k, end));
        end = start + k;
      } else {
        out.push(this.#mth(start, start + k));
        start += k;
        m -= k;
        b = false;
      }
    }
    return out.reverse().map((h) => h.slice());
  }

  /** MTH(D[start:end]); a view into the cache when the range is a complete aligned subtree. */
  #mth(start: number, end: number): Uint8Array {
    const n = end - start;
    if (n === 0) return emptyRoot();
    const level = exactLog2(n);
    if (level >= 0 && start % n === 0) {
      return this.#levels[level]!.view(start / n);
    }
    const k = splitPoint(n);
    return nodeHashUnchecked(this.#mth(start, start + k), this.#mth(start + k, end));
  }
}
