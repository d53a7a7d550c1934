/**
 * The console's own verification code (services/gateway/console: merkle.js, checkpoint.js,
 * log-key.js, canonical-json.js), the very modules the browser loads, run here on Node's
 * WebCrypto (the same `crypto.subtle` API): all published RFC 9162 vectors
 * (test/vectors/rfc9162, transparency-dev/merkle), proofs of crypto-core's tree for every size
 * up to 40 with single-bit alterations rejected, signed tree heads from crypto-core/checkpoint
 * (altered text, altered signature, another key, witness cosignatures beside), verifier-key
 * parsing, and canonical entry bytes equal to crypto-core's RFC 8785 encoder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeVerifierKey, signCheckpoint, signNote } from '../../crypto-core/checkpoint/index.js';
import { canonicalJson as referenceCanonical } from '../../crypto-core/canonical-json.js';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { MerkleTree } from '../../crypto-core/merkle/index.js';

const CONSOLE = join(import.meta.dirname, '..', '..', 'services', 'gateway', 'console');
// Plain browser modules without type declarations: loaded by path so tsc does not look for types.
const load = async <T>(name: string): Promise<T> => (await import(join(CONSOLE, name))) as T;

type Bytes = Uint8Array;
const merkle = await load<{
  leafHash(b: Bytes): Promise<Bytes>;
  verifyInclusion(i: number, n: number, leaf: Bytes, proof: Bytes[], root: Bytes): Promise<boolean>;
  verifyConsistency(n1: number, n2: number, r1: Bytes, r2: Bytes, proof: Bytes[]): Promise<boolean>;
}>('merkle.js');
const { openCheckpoint } = await load<{ openCheckpoint(note: string, key: unknown): Promise<{ ok: boolean; size?: number; root?: Bytes; reason?: string }> }>('checkpoint.js');
const { parseLogKey } = await load<{ parseLogKey(text: string): Promise<{ name: string; keyId: number; fingerprint: string }> }>('log-key.js');
const { canonicalJson } = await load<{ canonicalJson(v: unknown): string }>('canonical-json.js');

const VECTORS = join(import.meta.dirname, '..', 'vectors', 'rfc9162');
function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listJson(p) : n.endsWith('.json') ? [p] : [];
  });
}
const b64 = (s: string): Bytes => new Uint8Array(Buffer.from(s, 'base64'));
const flip = (u: Bytes, bit: number): Bytes => {
  const c = u.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};

describe('the console verifies RFC 9162 proofs as the RFC says', () => {
  const inclusion = listJson(join(VECTORS, 'inclusion'));
  const consistency = listJson(join(VECTORS, 'consistency'));

  it('every published inclusion and consistency vector', async () => {
    expect(inclusion.length + consistency.length).toBeGreaterThan(150);
    for (const f of inclusion) {
      const c = JSON.parse(readFileSync(f, 'utf8')) as { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean };
      expect(await merkle.verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), (c.proof ?? []).map(b64), b64(c.root)), `${f}: ${c.desc}`).toBe(!c.wantErr);
    }
    for (const f of consistency) {
      const c = JSON.parse(readFileSync(f, 'utf8')) as { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean };
      expect(await merkle.verifyConsistency(c.size1, c.size2, b64(c.root1), b64(c.root2), (c.proof ?? []).map(b64)), `${f}: ${c.desc}`).toBe(!c.wantErr);
    }
  });

  it("crypto-core's proofs for every size up to 40 verify, and a flipped bit anywhere does not", async () => {
    const tree = new MerkleTree();
    const entries = Array.from({ length: 40 }, (_, i) => new TextEncoder().encode(`{"seq":${i}}`));
    for (const e of entries) tree.appendEntry(e);
    for (let n = 1; n <= 40; n++) {
      const root = tree.root(n);
      for (let i = 0; i < n; i += 3) {
        const leaf = await merkle.leafHash(entries[i]!);
        expect(Buffer.from(leaf)).toEqual(Buffer.from(tree.leafHash(i)));
        const proof = tree.inclusionProof(i, n);
        expect(await merkle.verifyInclusion(i, n, leaf, proof, root)).toBe(true);
        expect(await merkle.verifyInclusion(i, n, flip(leaf, 7), proof, root)).toBe(false);
        if (proof.length > 0) expect(await merkle.verifyInclusion(i, n, leaf, [flip(proof[0]!, 100), ...proof.slice(1)], root)).toBe(false);
        expect(await merkle.verifyInclusion(i, n, leaf, proof, flip(root, 0))).toBe(false);
      }
      for (let m = 1; m <= n; m += 4) {
        const proof = tree.consistencyProof(m, n);
        expect(await merkle.verifyConsistency(m, n, tree.root(m), root, proof), `${m} -> ${n}`).toBe(true);
        expect(await merkle.verifyConsistency(m, n, flip(tree.root(m), 9), root, proof)).toBe(false);
        if (proof.length > 0) expect(await merkle.verifyConsistency(m, n, tree.root(m), root, [...proof.slice(0, -1), flip(proof.at(-1)!, 200)])).toBe(false);
      }
    }
  });
});

describe('the console opens signed tree heads with WebCrypto Ed25519', () => {
  const signer = generateIdentity().signing;
  const vkey = encodeVerifierKey({ name: 'log.example/audit', publicKey: signer.publicKey });
  const tree = new MerkleTree();
  tree.appendEntry(new Uint8Array([1, 2, 3]));
  const note = signCheckpoint({ origin: 'log.example/audit', size: 1, rootHash: tree.root(1), time: new Date('2026-12-01T00:00:00Z') }, { name: 'log.example/audit', secretKey: signer.secretKey });

  it('accepts the honest note (also beside a witness cosignature) and reads size and root', async () => {
    const key = await parseLogKey(vkey);
    const opened = await openCheckpoint(note, key);
    expect(opened).toMatchObject({ ok: true, size: 1 });
    expect(Buffer.from(opened.root!)).toEqual(Buffer.from(tree.root(1)));
    const witness = generateIdentity().signing;
    const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
    const cosigned = signNote(text, { name: 'log.example/audit', secretKey: signer.secretKey }, [signNote(text, { name: 'witness-1', secretKey: witness.secretKey }).split('\n\n')[1]!.trimEnd()]);
    expect((await openCheckpoint(cosigned, key)).ok).toBe(true);
  });

  it('rejects an altered size or root, an altered signature and a note signed by another key', async () => {
    const key = await parseLogKey(vkey);
    const lines = note.split('\n');
    expect((await openCheckpoint([lines[0], '2', ...lines.slice(2)].join('\n'), key)).reason).toMatch(/does not verify/);
    const sigLine = lines.findIndex((l) => l.startsWith('\u2014 '));
    const sig = Buffer.from(lines[sigLine]!.split(' ').pop()!, 'base64');
    sig[10]! ^= 1;
    const badSig = [...lines.slice(0, sigLine), `\u2014 log.example/audit ${sig.toString('base64')}`, ...lines.slice(sigLine + 1)].join('\n');
    expect((await openCheckpoint(badSig, key)).reason).toMatch(/does not verify/);
    const other = await parseLogKey(encodeVerifierKey({ name: 'log.example/audit', publicKey: generateIdentity().signing.publicKey }));
    expect((await openCheckpoint(note, other)).reason).toMatch(/no signature by the pinned key/);
    expect((await openCheckpoint('not a note', key)).ok).toBe(false);
  });

  it('parses verifier keys as crypto-core writes them and refuses a wrong key id or type', async () => {
    const k = await parseLogKey(vkey);
    expect(k.name).toBe('log.example/audit');
    expect(k.fingerprint).toMatch(/^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
    const [, name, id, key] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(vkey)!;
    await expect(parseLogKey(`${name}+${id === '00000000' ? '00000001' : '00000000'}+${key}`)).rejects.toThrow(/key id does not match/);
    await expect(parseLogKey(`${name}+${id}+${Buffer.from([2, ...signer.publicKey]).toString('base64')}`)).rejects.toThrow(/only Ed25519/);
    await expect(parseLogKey('garbage')).rejects.toThrow(/expected <origin>/);
  });
});

describe('the console hashes entries in their canonical form', () => {
  it('gives the bytes of crypto-core canonicalJson (RFC 8785) for entries and awkward values', () => {
    const cases: unknown[] = [
      { v: 1, seq: 12, time: '2026-12-01T00:00:00.000Z', type: 'job.failed', actor: 'coordinator', jobId: 'j-1', party: 1, reason: 'party-gone: "quoted" \u2028 é', hashes: { b: 'x', a: 'y' } },
      { z: [1, 2.5, -0, 1e21, 1e-7, null, true], '\u00e9': 1, e: 2, '\ud83d\ude00': 3, '\uffff': 4 },
      [],
      {},
    ];
    for (const c of cases) expect(canonicalJson(c)).toBe(referenceCanonical(c));
    expect(() => canonicalJson(Number.NaN)).toThrow();
  });
});
