/**
 * C2SP tlog-cosignature v1 (Ed25519, type 0x04) and the tlog-witness add-checkpoint body:
 * published vectors (test/vectors/tlog-cosignature, sources in its README), round trips,
 * what a verifier must refuse, and a table of bad inputs for every public function.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNote, signCheckpoint } from '../../crypto-core/checkpoint/index.js';
import { fromBase64 } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { generateSigningKeyPair, verifySignature } from '../../crypto-core/keys/signing.js';
import {
  addSignatureLines,
  cosignatureMessage,
  cosignatureTimestamp,
  cosignCheckpoint,
  cosignerKeyId,
  encodeCosignerVkey,
  parseCosignerVkey,
  verifyCosignatures,
} from '../../services/wire/tlog-cosignature.js';
import { conflictSize, formatAddCheckpoint, parseAddCheckpoint } from '../../services/wire/tlog-witness.js';

const vectors = JSON.parse(readFileSync(join(__dirname, '../vectors/tlog-cosignature/vectors.json'), 'utf8')) as {
  'c2sp-example': { note: string; witness: string; timestamp: number; signedMessage: string };
  'transparency-dev-formats': { vkey: string; keyId: string; signatureBase64: string; timestamp: number };
};

const log = generateSigningKeyPair();
const note = signCheckpoint({ origin: 'coordinator', size: 7, rootHash: new Uint8Array(32).fill(9), time: new Date('2026-12-07T00:00:00Z') }, { name: 'coordinator', secretKey: log.secretKey });
const body = parseNote(note).text;

describe('published vectors', () => {
  it('transparency-dev/formats: a native cosignature/v1 vkey has key ID SHA-256(name || 0x0A || 0x04 || key)[0:4]', () => {
    const v = vectors['transparency-dev-formats'];
    const parsed = parseCosignerVkey(v.vkey);
    expect(parsed.name).toBe('remora.n621.de');
    expect(cosignerKeyId(parsed.name, parsed.publicKey).toString(16).padStart(8, '0')).toBe(v.keyId);
    expect(encodeCosignerVkey(parsed)).toBe(v.vkey);
  });

  it('transparency-dev/formats: the timestamp of a published cosignature blob', () => {
    const v = vectors['transparency-dev-formats'];
    expect(cosignatureTimestamp(fromBase64(v.signatureBase64))).toBe(v.timestamp);
  });

  it("c2sp.org/tlog-cosignature: the example's cosignature line is key ID, u64 time and a 64-byte signature, dated as the spec's signed message", () => {
    const c = vectors['c2sp-example'];
    const { text, signatures } = parseNote(c.note);
    const w = signatures.find((s) => s.name === c.witness)!;
    const blob = new Uint8Array(4 + w.signature.length);
    blob.set(w.signature, 4);
    expect(blob.length).toBe(76);
    expect(cosignatureTimestamp(blob)).toBe(c.timestamp);
    expect(new TextDecoder().decode(cosignatureMessage(text, c.timestamp))).toBe(c.signedMessage);
  });
});

describe('cosignature/v1', () => {
  const w = generateSigningKeyPair();
  const witness = { name: 'party-0', publicKey: w.publicKey };

  it('signs "cosignature/v1\\ntime <t>\\n" + the whole note body and verifies', () => {
    const line = cosignCheckpoint(body, { name: 'party-0', secretKey: w.secretKey }, 1_765_000_000);
    expect(line).toMatch(/^\u2014 party-0 [A-Za-z0-9+/]+=*\n$/);
    const blob = fromBase64(line.slice('\u2014 party-0 '.length, -1));
    expect(blob.length).toBe(76);
    expect(new DataView(blob.buffer).getUint32(0)).toBe(cosignerKeyId('party-0', w.publicKey));
    expect(cosignatureTimestamp(blob)).toBe(1_765_000_000);
    expect(verifySignature(blob.slice(12), new TextEncoder().encode(`cosignature/v1\ntime 1765000000\n${body}`), w.publicKey)).toBe(true);
    const check = verifyCosignatures(addSignatureLines(note, [line]), [witness]);
    expect(check.valid).toEqual([{ name: 'party-0', timestamp: 1_765_000_000 }]);
    expect(check.invalid).toEqual([]);
  });

  it('the key ID differs from the same key as a signed-note (0x01) key, so a log signature is never read as a cosignature', () => {
    const asLog = signCheckpoint({ origin: 'party-0', size: 1, rootHash: new Uint8Array(32) }, { name: 'party-0', secretKey: w.secretKey });
    expect(verifyCosignatures(asLog, [witness]).valid).toEqual([]);
    expect(verifyCosignatures(asLog, [witness]).invalid).toEqual([]); // a line of another key ID is ignored, per spec
  });

  it('refuses a cosignature of another checkpoint, a changed timestamp, a future one, and ignores unknown witnesses', () => {
    const line = cosignCheckpoint(body, { name: 'party-0', secretKey: w.secretKey }, 1000);
    const other = signCheckpoint({ origin: 'coordinator', size: 7, rootHash: new Uint8Array(32).fill(8) }, { name: 'coordinator', secretKey: log.secretKey });
    expect(verifyCosignatures(other + line, [witness]).invalid[0]!.reason).toMatch(/does not verify over this checkpoint/);
    const blob = fromBase64(line.slice('\u2014 party-0 '.length, -1));
    new DataView(blob.buffer).setBigUint64(4, 1001n);
    const moved = `\u2014 party-0 ${Buffer.from(blob).toString('base64')}\n`;
    expect(verifyCosignatures(note + moved, [witness]).valid).toEqual([]);
    expect(verifyCosignatures(note + line, [witness], 999).invalid[0]!.reason).toMatch(/in the future/);
    const stranger = generateSigningKeyPair();
    expect(verifyCosignatures(note + cosignCheckpoint(body, { name: 'party-0', secretKey: stranger.secretKey }, 1000), [witness])).toEqual({ valid: [], invalid: [] });
  });

  it('counts a witness once however many lines it has', () => {
    const k = { name: 'party-0', secretKey: w.secretKey };
    const check = verifyCosignatures(note + cosignCheckpoint(body, k, 1) + cosignCheckpoint(body, k, 2), [witness]);
    expect(check.valid).toHaveLength(1);
  });

  it('bad inputs are refused with the parameter named', () => {
    const k = { name: 'party-0', secretKey: w.secretKey };
    for (const bad of [NaN, -1, 1.5, 2 ** 60]) expect(() => cosignCheckpoint(body, k, bad)).toThrow(/timestamp/);
    expect(() => cosignCheckpoint('no newline', k, 1)).toThrow(/body/);
    expect(() => cosignCheckpoint(body, { name: 'has space', secretKey: w.secretKey }, 1)).toThrow(/key.name/);
    expect(() => cosignCheckpoint(body, { name: 'p', secretKey: new Uint8Array(31) }, 1)).toThrow(/key.secretKey/);
    expect(() => cosignerKeyId('', w.publicKey)).toThrow(InvalidArgumentError);
    expect(() => cosignerKeyId('a', new Uint8Array(33))).toThrow(/publicKey/);
    expect(() => parseCosignerVkey('nope')).toThrow(/vkey/);
    expect(() => parseCosignerVkey(vectors['transparency-dev-formats'].vkey.replace('da77ade7', 'da77ade8'))).toThrow(/key id/);
    expect(() => parseCosignerVkey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')).toThrow(/type 0x04/);
    expect(() => addSignatureLines(note, ['not a line\n'])).toThrow(/lines/);
    expect(cosignatureTimestamp(new Uint8Array(75))).toBeNull();
    expect(verifyCosignatures('not a note', [witness]).valid).toEqual([]);
  });
});

describe('tlog-witness add-checkpoint body', () => {
  const h = (b: number): Uint8Array => new Uint8Array(32).fill(b);

  it('formats "old N", one base64 line per proof hash, a blank line, the checkpoint; parses back', () => {
    const text = formatAddCheckpoint({ oldSize: 3, proof: [h(1), h(2)], checkpoint: note });
    expect(text.startsWith(`old 3\n${Buffer.from(h(1)).toString('base64')}\n${Buffer.from(h(2)).toString('base64')}\n\n`)).toBe(true);
    const back = parseAddCheckpoint(text);
    expect(back.oldSize).toBe(3);
    expect(back.proof.map((p) => p[0])).toEqual([1, 2]);
    expect(back.checkpoint).toBe(note);
    expect(parseAddCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: note })).proof).toEqual([]);
  });

  it('refuses what the spec forbids', () => {
    expect(() => parseAddCheckpoint(`old 01\n\n${note}`)).toThrow(/old <decimal size>/);
    expect(() => parseAddCheckpoint(`old 0\n${Buffer.from(h(1)).toString('base64')}\n\n${note}`)).toThrow(/empty when the old size is 0/);
    expect(() => parseAddCheckpoint(`old 5\n${Array.from({ length: 64 }, () => Buffer.from(h(1)).toString('base64') + '\n').join('')}\n${note}`)).toThrow(/at most 63/);
    expect(() => parseAddCheckpoint(`old 5\nAAAA\n\n${note}`)).toThrow(/proof line 1 holds 3 bytes/);
    expect(() => parseAddCheckpoint(`old 5\n${note}`)).toThrow(/proof line 1 is not base64/); // no blank line after the size: the checkpoint is read as proof lines
    expect(() => parseAddCheckpoint(42)).toThrow(/expected text/);
    expect(() => formatAddCheckpoint({ oldSize: -1, proof: [], checkpoint: note })).toThrow(/oldSize/);
    expect(() => formatAddCheckpoint({ oldSize: 0, proof: [h(1)], checkpoint: note })).toThrow(/empty when oldSize is 0/);
    expect(conflictSize({ status: 409, body: '12\n', contentType: 'text/x.tlog.size' })).toBe(12);
    expect(conflictSize({ status: 409, body: 'twelve\n', contentType: 'text/x.tlog.size' })).toBeNull();
    expect(conflictSize({ status: 422, body: '12\n' })).toBeNull();
  });
});
