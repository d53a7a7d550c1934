/**
 * A table of bad inputs (NaN, negative, wrong type, wrong length, null, undefined) thrown at
 * every public function of the key, HKDF, AEAD, sealed-box, key-file and encoding modules.
 * Each must throw InvalidArgumentError whose message starts with the parameter's name, before
 * touching the file system; verify-style functions must return false instead of throwing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair, isValidSigningPublicKey, sign, signingPublicKey, verifySignature } from '../../crypto-core/keys/signing.js';
import { agree, agreementPublicKey, generateAgreementKeyPair, isValidAgreementPublicKey } from '../../crypto-core/keys/agreement.js';
import { checkIdentity, generateIdentity, keyId, parsePublicIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { readIdentityFile, readPublicKeyFile, writeIdentityFile, writePublicKeyFile } from '../../crypto-core/keys/key-file.js';
import { generateStorageKey, readStorageKeyFile, writeStorageKeyFile } from '../../crypto-core/keys/storage-key.js';
import { hkdfSha256 } from '../../crypto-core/hkdf.js';
import { aeadDecrypt, aeadEncrypt } from '../../crypto-core/aead.js';
import { open, seal } from '../../crypto-core/sealed-box.js';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

const root = mkdtempSync(join(tmpdir(), 'mpc-badinput-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const id = generateIdentity();
const b32 = new Uint8Array(32).fill(1);
const box = seal(id.agreement.publicKey, new Uint8Array(3));

/** Values that are not byte strings at all. */
const NOT_BYTES: [string, unknown][] = [
  ['NaN', Number.NaN], ['-1', -1], ['32', 32], ['string', 'ab'], ['null', null], ['undefined', undefined],
  ['object', {}], ['array', [1, 2, 3]], ['Uint16Array', new Uint16Array(16)], ['ArrayBuffer', new ArrayBuffer(32)],
];
/** Byte strings of the wrong length for a 32-byte parameter. */
const WRONG_32: [string, unknown][] = [['0 bytes', new Uint8Array(0)], ['31 bytes', new Uint8Array(31)], ['33 bytes', new Uint8Array(33)], ['64 bytes', new Uint8Array(64)]];
const BAD_32 = [...NOT_BYTES, ...WRONG_32];
/** Bad optional byte strings: as NOT_BYTES but undefined is allowed (the default). */
const BAD_OPTIONAL_BYTES = NOT_BYTES.filter(([n]) => n !== 'undefined');
const BAD_RNG: [string, unknown][] = [
  ['NaN', Number.NaN], ['-1', -1], ['string', 'rng'], ['null', null], ['object', {}],
  ['returns short', (n: number) => new Uint8Array(n - 1)], ['returns long', (n: number) => new Uint8Array(n + 1)],
  ['returns string', () => 'x'], ['returns null', () => null], ['returns number[]', (n: number) => new Array<number>(n).fill(0)],
];
const BAD_PATH: [string, unknown][] = [['empty', ''], ['NaN', Number.NaN], ['-1', -1], ['null', null], ['undefined', undefined], ['NUL byte', 'a\0b'], ['object', {}]];
const BAD_LENGTH: [string, unknown][] = [['NaN', Number.NaN], ['-1', -1], ['0', 0], ['1.5', 1.5], ['Infinity', Infinity], ['string', '32'], ['null', null], ['bigint', 32n], ['too large', 8161]];
const BAD_HEX: [string, unknown][] = [['NaN', Number.NaN], ['-1', -1], ['null', null], ['odd length', 'abc'], ['not hex', 'zz'], ['upper case', 'AB'], ['0x prefix', '0xab'], ['bytes', new Uint8Array(2)]];
const BAD_IDENTITY: [string, unknown][] = [
  ['null', null], ['NaN', Number.NaN], ['string', 'id'], ['empty object', {}],
  ['signing null', { ...id, signing: null }],
  ['short secret', { ...id, signing: { ...id.signing, secretKey: new Uint8Array(31) } }],
  ['public key as hex', { ...id, agreement: { ...id.agreement, publicKey: toHex(id.agreement.publicKey) } }],
];

interface Row { fn: string; param: RegExp; call: (bad: unknown) => unknown; values: [string, unknown][] }
const rows: Row[] = [
  { fn: 'generateSigningKeyPair', param: /^rng: /, call: (v) => generateSigningKeyPair(v as never), values: BAD_RNG },
  { fn: 'signingPublicKey', param: /^secretKey: /, call: (v) => signingPublicKey(v as never), values: BAD_32 },
  { fn: 'sign', param: /^message: /, call: (v) => sign(v as never, id.signing.secretKey), values: NOT_BYTES },
  { fn: 'sign', param: /^secretKey: /, call: (v) => sign(new Uint8Array(1), v as never), values: BAD_32 },
  { fn: 'generateAgreementKeyPair', param: /^rng: /, call: (v) => generateAgreementKeyPair(v as never), values: BAD_RNG },
  { fn: 'agreementPublicKey', param: /^secretKey: /, call: (v) => agreementPublicKey(v as never), values: BAD_32 },
  { fn: 'agree', param: /^secretKey: /, call: (v) => agree(v as never, id.agreement.publicKey), values: BAD_32 },
  { fn: 'agree', param: /^peerPublicKey: /, call: (v) => agree(b32, v as never), values: BAD_32 },
  { fn: 'hkdfSha256', param: /^ikm: /, call: (v) => hkdfSha256(v as never, b32, 'i', 32), values: NOT_BYTES },
  { fn: 'hkdfSha256', param: /^salt: /, call: (v) => hkdfSha256(b32, v as never, 'i', 32), values: NOT_BYTES },
  { fn: 'hkdfSha256', param: /^info: /, call: (v) => hkdfSha256(b32, b32, v as never, 32), values: NOT_BYTES.filter(([n]) => n !== 'string') },
  { fn: 'hkdfSha256', param: /^length: /, call: (v) => hkdfSha256(b32, b32, 'i', v as never), values: BAD_LENGTH },
  { fn: 'aeadEncrypt', param: /^key: /, call: (v) => aeadEncrypt(v as never, new Uint8Array(12), b32), values: BAD_32 },
  { fn: 'aeadEncrypt', param: /^nonce: /, call: (v) => aeadEncrypt(b32, v as never, b32), values: [...NOT_BYTES, ['8 bytes', new Uint8Array(8)], ['16 bytes', new Uint8Array(16)]] },
  { fn: 'aeadEncrypt', param: /^plaintext: /, call: (v) => aeadEncrypt(b32, new Uint8Array(12), v as never), values: NOT_BYTES },
  { fn: 'aeadEncrypt', param: /^aad: /, call: (v) => aeadEncrypt(b32, new Uint8Array(12), b32, v as never), values: BAD_OPTIONAL_BYTES },
  { fn: 'aeadDecrypt', param: /^key: /, call: (v) => aeadDecrypt(v as never, new Uint8Array(12), b32), values: BAD_32 },
  { fn: 'aeadDecrypt', param: /^nonce: /, call: (v) => aeadDecrypt(b32, v as never, b32), values: [...NOT_BYTES, ['11 bytes', new Uint8Array(11)]] },
  { fn: 'aeadDecrypt', param: /^sealed: /, call: (v) => aeadDecrypt(b32, new Uint8Array(12), v as never), values: NOT_BYTES },
  { fn: 'aeadDecrypt', param: /^aad: /, call: (v) => aeadDecrypt(b32, new Uint8Array(12), b32, v as never), values: BAD_OPTIONAL_BYTES },
  { fn: 'seal', param: /^recipientPublicKey: /, call: (v) => seal(v as never, b32), values: BAD_32 },
  { fn: 'seal', param: /^plaintext: /, call: (v) => seal(id.agreement.publicKey, v as never), values: NOT_BYTES },
  { fn: 'seal', param: /^aad: /, call: (v) => seal(id.agreement.publicKey, b32, v as never), values: BAD_OPTIONAL_BYTES },
  { fn: 'seal', param: /^rng: /, call: (v) => seal(id.agreement.publicKey, b32, undefined, v as never), values: BAD_RNG },
  { fn: 'open', param: /^recipientSecretKey: /, call: (v) => open(v as never, box), values: BAD_32 },
  { fn: 'open', param: /^sealed: /, call: (v) => open(id.agreement.secretKey, v as never), values: NOT_BYTES },
  { fn: 'open', param: /^aad: /, call: (v) => open(id.agreement.secretKey, box, v as never), values: BAD_OPTIONAL_BYTES },
  { fn: 'generateIdentity', param: /^rng: /, call: (v) => generateIdentity(v as never), values: BAD_RNG },
  { fn: 'checkIdentity', param: /^identity/, call: (v) => checkIdentity(v as never), values: BAD_IDENTITY },
  { fn: 'publicIdentity', param: /^identity/, call: (v) => publicIdentity(v as never), values: BAD_IDENTITY.filter(([n]) => n !== 'short secret') },
  { fn: 'parsePublicIdentity', param: /^publicIdentity/, call: (v) => parsePublicIdentity(v as never), values: [['null', null], ['NaN', Number.NaN], ['empty object', {}], ['short key', { signingPublicKey: 'ab', agreementPublicKey: '00'.repeat(32) }]] },
  { fn: 'keyId', param: /^publicKey: /, call: (v) => keyId(v as never), values: [...NOT_BYTES, ['empty', new Uint8Array(0)]] },
  { fn: 'generateStorageKey', param: /^rng: /, call: (v) => generateStorageKey(v as never), values: BAD_RNG },
  { fn: 'toHex', param: /^bytes: /, call: (v) => toHex(v as never), values: NOT_BYTES },
  { fn: 'fromHex', param: /^hex: /, call: (v) => fromHex(v as never), values: BAD_HEX },
  { fn: 'fromHex (with length)', param: /^hex: /, call: (v) => fromHex(v as never, 'hex', 2), values: [['1 byte', 'ab'], ['3 bytes', 'abcdef']] },
  { fn: 'toBase64', param: /^bytes: /, call: (v) => toBase64(v as never), values: NOT_BYTES },
  { fn: 'fromBase64', param: /^base64: /, call: (v) => fromBase64(v as never), values: [['NaN', Number.NaN], ['null', null], ['unpadded', 'YQ'], ['bad char', 'YQ!='], ['padding bits', 'YR=='], ['url alphabet', '-_8=']] },
  { fn: 'utf8', param: /^text: /, call: (v) => utf8(v as never), values: [['NaN', Number.NaN], ['null', null], ['bytes', new Uint8Array(1)]] },
];

/** File writers: each bad call must also leave nothing on disk. */
const target = (name: string) => join(root, name);
const fileRows: Row[] = [
  { fn: 'writeIdentityFile', param: /^path: /, call: (v) => writeIdentityFile(v as never, id), values: BAD_PATH },
  { fn: 'writeIdentityFile', param: /^identity/, call: (v) => writeIdentityFile(target('w1.json'), v as never), values: BAD_IDENTITY },
  { fn: 'writeIdentityFile', param: /^options/, call: (v) => writeIdentityFile(target('w2.json'), id, v as never), values: [['null', null], ['NaN', Number.NaN], ['string', 'overwrite'], ['overwrite string', { overwrite: 'yes' }], ['overwrite 1', { overwrite: 1 }]] },
  { fn: 'readIdentityFile', param: /^path: /, call: (v) => readIdentityFile(v as never), values: BAD_PATH },
  { fn: 'writePublicKeyFile', param: /^path: /, call: (v) => writePublicKeyFile(v as never, id), values: BAD_PATH },
  { fn: 'writePublicKeyFile', param: /^(pub|identity)/, call: (v) => writePublicKeyFile(target('w3.json'), v as never), values: [['null', null], ['NaN', Number.NaN], ['empty object', {}], ['bad hex', { signingPublicKey: 'zz', agreementPublicKey: 'zz' }]] },
  { fn: 'writePublicKeyFile', param: /^options/, call: (v) => writePublicKeyFile(target('w4.json'), id, v as never), values: [['null', null], ['string', 'x'], ['overwrite string', { overwrite: 'no' }]] },
  { fn: 'readPublicKeyFile', param: /^path: /, call: (v) => readPublicKeyFile(v as never), values: BAD_PATH },
  { fn: 'writeStorageKeyFile', param: /^path: /, call: (v) => writeStorageKeyFile(v as never, b32), values: BAD_PATH },
  { fn: 'writeStorageKeyFile', param: /^key: /, call: (v) => writeStorageKeyFile(target('w5.key'), v as never), values: BAD_32 },
  { fn: 'writeStorageKeyFile', param: /^options/, call: (v) => writeStorageKeyFile(target('w6.key'), b32, v as never), values: [['null', null], ['-1', -1]] },
  { fn: 'readStorageKeyFile', param: /^path: /, call: (v) => readStorageKeyFile(v as never), values: BAD_PATH },
];

const cases = [...rows, ...fileRows].flatMap((r) => r.values.map(([label, value]) => ({ name: `${r.fn} ${r.param.source.replace(/[\^\\:() |]/g, '')} = ${label}`, row: r, value })));

describe('bad inputs throw InvalidArgumentError naming the parameter', () => {
  it.each(cases)('$name', ({ row, value }) => {
    let caught: unknown;
    try {
      row.call(value);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).code).toBe('invalid-argument');
    expect((caught as Error).message).toMatch(row.param);
  });
  it('no bad call wrote a file', () => {
    for (const name of ['w1.json', 'w2.json', 'w3.json', 'w4.json', 'w5.key', 'w6.key']) expect(existsSync(target(name))).toBe(false);
  });
  it('the good calls of the table succeed (so the failures above are the bad arguments)', () => {
    expect(() => signingPublicKey(b32)).not.toThrow();
    expect(() => agree(b32, id.agreement.publicKey)).not.toThrow();
    expect(() => hkdfSha256(b32, b32, 'i', 32)).not.toThrow();
    expect(() => aeadDecrypt(b32, new Uint8Array(12), aeadEncrypt(b32, new Uint8Array(12), b32))).not.toThrow();
    expect(() => open(id.agreement.secretKey, box)).not.toThrow();
    expect(() => writeIdentityFile(target('good/id.json'), id)).not.toThrow();
    expect(() => writePublicKeyFile(target('good/pub.json'), id)).not.toThrow();
    expect(() => writeStorageKeyFile(target('good/s.key'), b32)).not.toThrow();
    expect(() => fromBase64('YQ==')).not.toThrow();
    expect(fromBase64(toBase64(new Uint8Array([1, 2, 3, 250])))).toEqual(new Uint8Array([1, 2, 3, 250]));
  });
});

describe('verify-style functions return false, never throw', () => {
  const msg = new Uint8Array([1, 2, 3]);
  const sig = sign(msg, id.signing.secretKey);
  const junk: [string, unknown][] = [...BAD_32, ['64 zero bytes', new Uint8Array(64)], ['bigint', 5n], ['function', () => 0], ['symbol', Symbol('x')]];
  it('verifySignature is true for the good triple', () => {
    expect(verifySignature(sig, msg, id.signing.publicKey)).toBe(true);
  });
  it.each(junk)('verifySignature signature = %s', (_n, v) => {
    expect(verifySignature(v as never, msg, id.signing.publicKey)).toBe(false);
  });
  it.each(NOT_BYTES)('verifySignature message = %s', (_n, v) => {
    expect(verifySignature(sig, v as never, id.signing.publicKey)).toBe(false);
  });
  it.each(junk)('verifySignature publicKey = %s', (_n, v) => {
    expect(verifySignature(sig, msg, v as never)).toBe(false);
  });
  it.each(junk)('isValidSigningPublicKey / isValidAgreementPublicKey = %s', (_n, v) => {
    expect(isValidSigningPublicKey(v as never)).toBe(false);
    expect(isValidAgreementPublicKey(v as never)).toBe(false);
  });
  it('a 32-byte string that is not a curve point verifies false', () => {
    // y = 2 is not the y-coordinate of any Ed25519 point.
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2;
    expect(isValidSigningPublicKey(notAPoint)).toBe(false);
    expect(verifySignature(sig, msg, notAPoint)).toBe(false);
  });
});
