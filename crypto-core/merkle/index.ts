/**
 * @module crypto-core/merkle
 * RFC 9162 Merkle tree: hashing, an append-only tree with proof generation, proof verification.
 */
export { emptyRoot, HASH_LENGTH, bytesEqual, leafHash, nodeHash } from './hashing.js';
export { MerkleTree } from './merkle-tree.js';
export { verifyConsistency, verifyInclusion } from './proof-verify.js';
