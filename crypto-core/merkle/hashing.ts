/**
 * @module crypto-core/merkle/hashing
 * RFC 9162 section 2.1.1 Merkle tree hashing with SHA-256: a leaf is SHA-256(0x00 || entry), an
 * interior node is SHA-256(0x01 || left || right), and the empty tree is SHA-256(""). The one-byte
 * prefixes keep a leaf from ever being passed off as a node (second-preimage resistance).
 *
 * `node:crypto`'s one-shot `hash` is used instead of `@noble/hashes` because hashing dominates
 * rebuilding and verifying a million-entry log, and OpenSSL's SHA-256 is several times faster.
 */
import { hash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

/** Length in bytes of every hash in the tree. */
export const HASH_LENGTH = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

function sha256(data: Uint8Array): Uint8Array {
  const b = hash('sha256', data, 'buffer');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const EMPTY = sha256(new Uint8Array(0));

/** MTH({}) = SHA-256(): the root of the empty tree (a fresh copy each call). */
export function emptyRoot(): Uint8Array {
  return EMPTY.slice();
}

/** The leaf hash SHA-256(0x00 || entry) of the entry bytes. */
export function leafHash(entry: Uint8Array): Uint8Array {
  if (!(entry instanceof Uint8Array)) throw new InvalidArgumentError(`entry: expected Uint8Array, got ${typeof entry}`);
  const buf = new Uint8Array(entry.length + 1);
  buf[0] = LEAF_PREFIX;
  buf.set(entry, 1);
  return sha256(buf);
}

/** The interior node hash SHA-256(0x01 || left || right). Both children must be 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (!(left instanceof Uint8Array) || left.length !== HASH_LENGTH) throw new InvalidArgumentError(`left: expected ${HASH_LENGTH}-byte hash`);
  if (!(right instanceof Uint8Array) || right.length !== HASH_LENGTH) throw new InvalidArgumentError(`right: expected ${HASH_LENGTH}-byte hash`);
  return nodeHashUnchecked(left, right);
}

const nodeBuf = new Uint8Array(1 + 2 * HASH_LENGTH);
nodeBuf[0] = NODE_PREFIX;

/**
 * nodeHash without the length checks, for the tree's inner loops and for proof verification,
 * where a proof element of the wrong length must make verification fail (not throw): a wrong
 * length here only yields a hash that matches nothing.
 */
export function nodeHashUnchecked(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_LENGTH && right.length === HASH_LENGTH) {
    // One reusable buffer: JavaScript is single-threaded and sha256 copies nothing out of it.
    nodeBuf.set(left, 1);
    nodeBuf.set(right, 1 + HASH_LENGTH);
    return sha256(nodeBuf);
  }
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** Constant-structure equality of two byte strings (lengths are public); one definition for crypto-core. */
export { bytesEqual } from '../keys/byte-checks.js';
