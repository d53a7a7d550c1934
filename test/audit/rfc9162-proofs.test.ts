/**
 * RFC 9162 section 2.1: Merkle tree hashing, inclusion and consistency proofs. The published
 * vectors (transparency-dev/merkle testdata, test/vectors/rfc9162/SOURCE.md) are run through the
 * verifier; generated proofs are checked against those vectors and against a naive recursive
 * reference of the RFC's definitions.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyRoot, MerkleTree, leafHash, nodeHash, verifyConsistency, verifyInclusion } from '../../crypto-core/merkle/index.js';

const VECTORS = join(import.meta.dirname, '..', 'vectors', 'rfc9162');
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => new Uint8Array(Buffer.from(h, 'hex')));

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listJson(p) : n.endsWith('.json') ? [p] : [];
  });
}
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

interface InclusionCase { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean }
interface ConsistencyCase { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean }

const inclusionFiles = listJson(join(VECTORS, 'inclusion'));
const consistencyFiles = listJson(join(VECTORS, 'consistency'));

/** MTH by the RFC's recursive definition, as the reference. */
function refMth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(createHash('sha256').digest());
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(refMth(leaves.slice(0, k)), refMth(leaves.slice(k)));
}

function treeOf(entries: Uint8Array[]): MerkleTree {
  const t = new MerkleTree();
  for (const e of entries) t.appendEntry(e);
  return t;
}

describe('RFC 9162 vectors', () => {
  it('has the vector files', () => {
    expect(inclusionFiles.length).toBeGreaterThan(50);
    expect(consistencyFiles.length).toBeGreaterThan(50);
  });

  it.each(inclusionFiles.map((f) => [f.slice(VECTORS.length + 1), f]))('inclusion %s', (_name, file) => {
    const c = JSON.parse(readFileSync(file, 'utf8')) as InclusionCase;
    const ok = verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), (c.proof ?? []).map(b64), b64(c.root));
    expect(ok, c.desc).toBe(!c.wantErr);
  });

  it.each(consistencyFiles.map((f) => [f.slice(VECTORS.length + 1), f]))('consistency %s', (_name, file) => {
    const c = JSON.parse(readFileSync(file, 'utf8')) as ConsistencyCase;
    const ok = verifyConsistency(c.size1, c.size2, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2));
    expect(ok, c.desc).toBe(!c.wantErr);
  });

  it('generates the same proofs as every happy-path vector', () => {
    const t = treeOf(LEAVES);
    let checked = 0;
    for (const f of inclusionFiles) {
      const c = JSON.parse(readFileSync(f, 'utf8')) as InclusionCase;
      // single-entry/ is a one-leaf tree of another entry, not a prefix of the eight leaves.
      if (c.wantErr || c.treeSize > LEAVES.length || f.includes('single-entry')) continue;
      expect(hex(t.root(c.treeSize))).toBe(hex(b64(c.root)));
      expect(t.inclusionProof(c.leafIdx, c.treeSize).map(hex)).toEqual((c.proof ?? []).map((p) => hex(b64(p))));
      checked++;
    }
    for (const f of consistencyFiles) {
      const c = JSON.parse(readFileSync(f, 'utf8')) as ConsistencyCase;
      if (c.wantErr || c.size2 > LEAVES.length || c.root1.length !== 44) continue;
      expect(t.consistencyProof(c.size1, c.size2).map(hex)).toEqual((c.proof ?? []).map((p) => hex(b64(p))));
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('computes the published root of the eight leaves', () => {
    expect(hex(treeOf(LEAVES).root())).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    expect(hex(new MerkleTree().root())).toBe(hex(emptyRoot()));
    expect(hex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('MerkleTree against the recursive reference', () => {
  const entries = Array.from({ length: 70 }, (_, i) => new Uint8Array([i, i >> 8, 7]));
  const t = treeOf(entries);

  it('root of every prefix equals MTH', () => {
    for (let n = 0; n <= entries.length; n++) expect(hex(t.root(n))).toBe(hex(refMth(entries.slice(0, n))));
  });

  it('every inclusion proof verifies, and fails for a wrong index, size or altered element', () => {
    for (let n = 1; n <= entries.length; n++) {
      const root = t.root(n);
      for (let i = 0; i < n; i++) {
        const p = t.inclusionProof(i, n);
        const lh = t.leafHash(i);
        expect(verifyInclusion(i, n, lh, p, root)).toBe(true);
        if (n > 1) expect(verifyInclusion((i + 1) % n, n, lh, p, root)).toBe(false);
        for (let j = 0; j < p.length; j++) {
          const bad = p.map((x) => x.slice());
          bad[j]![0]! ^= 1;
          expect(verifyInclusion(i, n, lh, bad, root)).toBe(false);
        }
      }
    }
  });

  it('every consistency proof verifies, and fails for a wrong root or altered element', () => {
    for (let n = 1; n <= entries.length; n++) {
      for (let m = 1; m <= n; m++) {
        const p = t.consistencyProof(m, n);
        expect(verifyConsistency(m, n, p, t.root(m), t.root(n))).toBe(true);
        if (m < n) {
          expect(verifyConsistency(m, n, p, t.root(m - 1 || 1).map((b, k) => (k === 0 ? b ^ 1 : b)), t.root(n))).toBe(false);
          expect(verifyConsistency(m, n, p, t.root(m), t.root(n - 1))).toBe(false);
          const bad = p.map((x) => x.slice());
          bad[bad.length - 1]![31]! ^= 0x80;
          expect(verifyConsistency(m, n, bad, t.root(m), t.root(n))).toBe(false);
        }
      }
    }
  });

  it('rejects bad arguments at the boundary, naming the parameter', () => {
    expect(() => t.inclusionProof(70, 70)).toThrow(/index/);
    expect(() => t.inclusionProof(0, 71)).toThrow(/treeSize/);
    expect(() => t.consistencyProof(0, 5)).toThrow(/size1/);
    expect(() => t.consistencyProof(6, 5)).toThrow(/size1/);
    expect(() => t.root(-1)).toThrow(/size/);
    expect(() => t.appendLeafHash(new Uint8Array(31))).toThrow(/leafHash/);
    for (const bad of [Number.NaN, -1, 1.5, '3', null, 2 ** 60]) {
      expect(verifyInclusion(bad as number, 70, t.leafHash(0), [], t.root())).toBe(false);
      expect(verifyConsistency(1, bad as number, [], t.root(1), t.root())).toBe(false);
    }
  });
});
