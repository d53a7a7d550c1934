/**
 * Signed JSON objects (crypto-core/keys/signed-message): RFC 8785 canonical payloads (checked
 * against the RFC's own examples in test/vectors/rfc8785-jcs), a signature an independent
 * verifier (OpenSSL) accepts, and null for every kind of forgery or malformed input.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import canonicalize from 'canonicalize';
import { signObject, signedObjectMessage, verifySignedObject, SIGNED_OBJECT_DOMAIN, type SignedObject } from '../../crypto-core/keys/signed-message.js';
import { generateIdentity, keyId } from '../../crypto-core/keys/identity.js';
import { sign } from '../../crypto-core/keys/signing.js';
import { fromHex, toHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

const vec = (name: string) => readFileSync(new URL(`../vectors/rfc8785-jcs/${name}`, import.meta.url), 'utf8');
const signer = generateIdentity().signing;
const job = { type: 'job.start', jobId: 'j-123', parties: ['p0', 'p1', 'p2'], deadline: 1_700_000_000_000, params: { f: 16, model: 'm-9' } };

/** Signs arbitrary `payload` text with the same domain as signObject, to forge non-canonical messages. */
function signRaw(payload: string): SignedObject {
  return { payload, signature: toHex(sign(signedObjectMessage(payload), signer.secretKey)), keyId: keyId(signer.publicKey) };
}

describe('RFC 8785 canonical JSON (the canonicalize package)', () => {
  it('section 3.2.2/3.2.3 sample: numbers, string escapes, literals', () => {
    expect(canonicalize(JSON.parse(vec('sample-input.json')))).toBe(vec('sample-canonical.json'));
  });
  it('section 3.2.3 sorting example: keys in UTF-16 code unit order', () => {
    expect(canonicalize(JSON.parse(vec('sorting-input.json')))).toBe(vec('sorting-canonical.json'));
  });
});

describe('signObject / verifySignedObject', () => {
  it('round-trips, with the canonical payload and the signer keyId', () => {
    const signed = signObject(job, signer.secretKey);
    expect(signed.payload).toBe(canonicalize(job));
    expect(signed.payload.startsWith('{"deadline":1700000000000,"jobId":"j-123"')).toBe(true);
    expect(signed.keyId).toBe(keyId(signer.publicKey));
    expect(signed.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(verifySignedObject(signed, signer.publicKey)).toEqual(job);
  });

  it('the payload is independent of property order', () => {
    const reordered = { params: { model: 'm-9', f: 16 }, parties: ['p0', 'p1', 'p2'], deadline: 1_700_000_000_000, jobId: 'j-123', type: 'job.start' };
    expect(signObject(reordered, signer.secretKey)).toEqual(signObject(job, signer.secretKey));
  });

  it('OpenSSL verifies the signature over the domain label, a zero byte and the payload', () => {
    const signed = signObject(job, signer.secretKey);
    const message = Buffer.concat([Buffer.from(SIGNED_OBJECT_DOMAIN, 'utf8'), Buffer.from([0]), Buffer.from(signed.payload, 'utf8')]);
    const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), signer.publicKey]), format: 'der', type: 'spki' });
    expect(nodeVerify(null, message, pub, fromHex(signed.signature))).toBe(true);
    // Without the domain label the signature is not valid: it cannot be replayed as a bare-payload signature.
    expect(nodeVerify(null, Buffer.from(signed.payload, 'utf8'), pub, fromHex(signed.signature))).toBe(false);
  });

  it('arrays and unicode round-trip', () => {
    const arr = [{ name: 'Zoë 😀', n: -0.5 }, null, true, 'x'];
    expect(verifySignedObject(signObject(arr, signer.secretKey), signer.publicKey)).toEqual(arr);
  });

  describe('forgeries and malformed input give null', () => {
    const signed = signObject(job, signer.secretKey);
    const other = generateIdentity().signing;
    it('an altered payload', () => {
      expect(verifySignedObject({ ...signed, payload: signed.payload.replace('j-123', 'j-124') }, signer.publicKey)).toBeNull();
    });
    it('an altered signature (every hex position)', () => {
      for (let i = 0; i < 128; i += 7) {
        const c = signed.signature[i] === '0' ? '1' : '0';
        const sig = signed.signature.slice(0, i) + c + signed.signature.slice(i + 1);
        expect(verifySignedObject({ ...signed, signature: sig }, signer.publicKey)).toBeNull();
      }
    });
    it('another public key, with either keyId', () => {
      expect(verifySignedObject(signed, other.publicKey)).toBeNull();
      expect(verifySignedObject({ ...signed, keyId: keyId(other.publicKey) }, other.publicKey)).toBeNull();
    });
    it('a keyId that does not match the given key', () => {
      expect(verifySignedObject({ ...signed, keyId: '0000000000000000' }, signer.publicKey)).toBeNull();
    });
    it('a signature by another key with that key\'s keyId, checked against the expected key', () => {
      const forged = signObject(job, other.secretKey);
      expect(verifySignedObject(forged, signer.publicKey)).toBeNull();
    });
    it('validly signed but non-canonical payloads (duplicate keys, whitespace, number spelling, order)', () => {
      for (const text of ['{"a":1,"a":2}', '{ "a":1}', '{"a":1.0}', '{"b":1,"a":2}', '{"a":"\\u0041"}']) {
        const forged = signRaw(text);
        expect(verifySignedObject(forged, signer.publicKey)).toBeNull();
      }
      // The same helper with a canonical text is accepted, so the refusals above are about canonical form.
      expect(verifySignedObject(signRaw('{"a":1}'), signer.publicKey)).toEqual({ a: 1 });
    });
    it('validly signed payloads that are not objects', () => {
      for (const text of ['1', '"x"', 'null', 'true', 'not json']) expect(verifySignedObject(signRaw(text), signer.publicKey)).toBeNull();
    });
    it.each([
      ['null', null], ['string', 'x'], ['NaN', Number.NaN], ['empty object', {}],
      ['payload number', { ...signed, payload: 5 }], ['signature bytes', { ...signed, signature: fromHex(signed.signature) }],
      ['signature upper case', { ...signed, signature: signed.signature.toUpperCase() }], ['signature short', { ...signed, signature: signed.signature.slice(2) }],
      ['keyId missing', { payload: signed.payload, signature: signed.signature }],
    ])('malformed signed object: %s', (_n, v) => {
      expect(verifySignedObject(v as never, signer.publicKey)).toBeNull();
    });
    it.each([['null', null], ['31 bytes', new Uint8Array(31)], ['hex string', toHex(signer.publicKey)], ['NaN', Number.NaN]])('malformed public key: %s', (_n, v) => {
      expect(verifySignedObject(signed, v as never)).toBeNull();
    });
    it('the untouched signed object still verifies', () => {
      expect(verifySignedObject(signed, signer.publicKey)).toEqual(job);
    });
  });

  it.each([
    ['null', null], ['number', 5], ['string', 's'], ['NaN inside', { x: Number.NaN }], ['Infinity inside', { x: Infinity }],
    ['BigInt inside', { x: 1n }], ['function inside', { f: () => 1 }], ['lone surrogate', { s: '\ud800' }], ['Date (a string in JSON)', new Date(0)],
  ])('signObject refuses obj = %s', (_n, v) => {
    expect(() => signObject(v as never, signer.secretKey)).toThrow(InvalidArgumentError);
    expect(() => signObject(v as never, signer.secretKey)).toThrow(/^obj: /);
  });
  it('signObject refuses a cycle', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => signObject(a, signer.secretKey)).toThrow(/^obj: /);
  });
  it.each([['null', null], ['31 bytes', new Uint8Array(31)], ['string', 'k']])('signObject refuses secretKey = %s', (_n, v) => {
    expect(() => signObject(job, v as never)).toThrow(/^secretKey: /);
  });
});
