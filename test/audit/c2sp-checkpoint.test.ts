/**
 * C2SP signed-note and tlog-checkpoint: the signed-note example of Go's
 * golang.org/x/mod/sumdb/note tests (key "PeterNeumann"), round trips, and rejection of
 * foreign keys, altered text and malformed notes.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeVerifierKey, formatCheckpoint, noteKeyId, openCheckpoint, parseCheckpoint, parseNote, parseVerifierKey, signCheckpoint, signNote, verifyNote,
} from '../../crypto-core/checkpoint/index.js';
import { generateSigningKeyPair, signingPublicKey } from '../../crypto-core/keys/signing.js';

// sumdb/note test key: PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz
const GO_SEED = new Uint8Array(Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64')).slice(1);
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed note (c2sp.org/signed-note)', () => {
  it('matches the Go sumdb/note vector: verifier key, key id, signature line', () => {
    const pub = signingPublicKey(GO_SEED);
    expect(encodeVerifierKey({ name: 'PeterNeumann', publicKey: pub })).toBe(GO_VKEY);
    expect(noteKeyId('PeterNeumann', pub).toString(16)).toBe('c74f20a3');
    expect(signNote(GO_TEXT, { name: 'PeterNeumann', secretKey: GO_SEED })).toBe(GO_NOTE);
    expect(verifyNote(GO_NOTE, parseVerifierKey(GO_VKEY))).toEqual({ ok: true, text: GO_TEXT });
  });

  it('rejects altered text, a foreign key, and a bad signature by the right key', () => {
    const v = parseVerifierKey(GO_VKEY);
    expect(verifyNote(GO_NOTE.replace('problem,', 'problem;'), v)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
    const other = generateSigningKeyPair();
    expect(verifyNote(GO_NOTE, { name: 'PeterNeumann', publicKey: other.publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/no signature by key PeterNeumann/) });
    const forged = signNote(GO_TEXT, { name: 'Mallory', secretKey: other.secretKey });
    expect(verifyNote(forged, v).ok).toBe(false);
  });

  it('ignores unknown signers next to a valid signature (witness cosignatures)', () => {
    const w = generateSigningKeyPair();
    const cosig = parseNote(signNote(GO_TEXT, { name: 'witness.example', secretKey: w.secretKey })).signatures.length;
    expect(cosig).toBe(1);
    const witnessLine = signNote(GO_TEXT, { name: 'witness.example', secretKey: w.secretKey }).split('\n\n')[1]!;
    const both = signNote(GO_TEXT, { name: 'PeterNeumann', secretKey: GO_SEED }, [witnessLine]);
    expect(parseNote(both).signatures.map((s) => s.name)).toEqual(['PeterNeumann', 'witness.example']);
    expect(verifyNote(both, parseVerifierKey(GO_VKEY)).ok).toBe(true);
    expect(verifyNote(both, { name: 'witness.example', publicKey: w.publicKey }).ok).toBe(true);
  });

  it('round-trips verifier keys whose base64 contains "+"', () => {
    for (let i = 0; i < 40; i++) {
      const k = generateSigningKeyPair();
      const vkey = encodeVerifierKey({ name: 'log.example/a', publicKey: k.publicKey });
      expect(parseVerifierKey(vkey).publicKey).toEqual(k.publicKey);
    }
    // Deterministic seeds until one's key base64 holds a '+', so the case is always covered.
    let covered = 0;
    for (let i = 0; i < 64 && covered === 0; i++) {
      const pub = signingPublicKey(new Uint8Array(32).fill(i));
      const vkey = encodeVerifierKey({ name: 'log.example/a', publicKey: pub });
      if (vkey.split('+').length <= 3) continue;
      expect(parseVerifierKey(vkey).publicKey).toEqual(pub);
      covered++;
    }
    expect(covered).toBe(1);
  });

  it('rejects malformed notes and inputs, naming the problem', () => {
    expect(() => parseNote('no blank line\n')).toThrow(/blank line/);
    expect(() => parseNote(`${GO_TEXT}\n-- PeterNeumann abc=\n`)).toThrow(/em dash/);
    expect(() => parseNote(`${GO_TEXT}\n\u2014 PeterNeumann !!!\n`)).toThrow(/base64/);
    expect(() => parseNote(GO_NOTE.slice(0, -1))).toThrow(/newline/);
    expect(() => signNote('no newline', { name: 'a', secretKey: GO_SEED })).toThrow(/text: must end/);
    expect(() => signNote('a\n\nb\n', { name: 'a', secretKey: GO_SEED })).toThrow(/blank line/);
    expect(() => signNote('a\n', { name: 'has space', secretKey: GO_SEED })).toThrow(/signer.name/);
    expect(() => signNote('a\n', { name: 'a', secretKey: new Uint8Array(31) })).toThrow(/signer.secretKey/);
    expect(() => parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/key id does not match/);
    expect(() => parseVerifierKey('x')).toThrow(/vkey/);
    expect(verifyNote(42 as unknown as string, parseVerifierKey(GO_VKEY)).ok).toBe(false);
  });
});

describe('checkpoint (c2sp.org/tlog-checkpoint)', () => {
  const key = generateSigningKeyPair();
  const origin = 'mpc.example/audit';
  const cp = { origin, size: 20852163, rootHash: new Uint8Array(Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64')), time: new Date('2026-11-24T12:00:00.000Z') };

  it('formats the body as origin, size, base64 root and the time extension', () => {
    expect(formatCheckpoint(cp)).toBe('mpc.example/audit\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\ntime 2026-11-24T12:00:00.000Z\n');
    expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
  });

  it('signs and opens; refuses another key, another origin and altered fields', () => {
    const note = signCheckpoint(cp, { name: origin, secretKey: key.secretKey });
    const opened = openCheckpoint(note, { name: origin, publicKey: key.publicKey });
    expect(opened.ok && opened.checkpoint).toEqual(cp);
    expect(openCheckpoint(note.replace('20852163', '20852164'), { name: origin, publicKey: key.publicKey }).ok).toBe(false);
    expect(openCheckpoint(note, { name: origin, publicKey: generateSigningKeyPair().publicKey }).ok).toBe(false);
    expect(() => signCheckpoint(cp, { name: 'other', secretKey: key.secretKey })).toThrow(/origin/);
  });

  it('rejects malformed bodies, naming the line', () => {
    expect(() => parseCheckpoint('o\n007\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')).toThrow(/leading zeros/);
    expect(() => parseCheckpoint('o\n7\nCsUY\n')).toThrow(/root hash/);
    expect(() => parseCheckpoint('o\n7\n')).toThrow(/at least 3 lines/);
    expect(() => parseCheckpoint('o\n7\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\ntime never\n')).toThrow(/time/);
    expect(() => formatCheckpoint({ ...cp, size: -1 })).toThrow(/size/);
    expect(() => formatCheckpoint({ ...cp, rootHash: new Uint8Array(3) })).toThrow(/rootHash/);
  });
});
