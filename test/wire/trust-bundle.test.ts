/**
 * The trust bundle (services/wire/trust-bundle): parsing refuses every malformed field by name,
 * the fingerprint covers every key, and a rotation is accepted only when the replaced bundle's
 * three parties signed the new one and it names its predecessor.
 */
import { describe, expect, it } from 'vitest';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { makeTrustBundle, parseTrustBundle, signRotation, trustBundleFingerprint, verifyRotation, type TrustBundle } from '../../services/wire/trust-bundle.js';

function bundleOf(parties: ServiceIdentity[], extra: Partial<TrustBundle> = {}): TrustBundle {
  const coord = generateIdentity();
  const b = makeTrustBundle({
    deployment: 'test',
    parties: parties.map((p, i) => ({ id: `party-${i}`, ...publicIdentity(p) })),
    coordinator: { id: 'coordinator', signingPublicKey: publicIdentity(coord).signingPublicKey },
    issuedAt: new Date('2026-12-01T00:00:00Z'),
  });
  return { ...b, ...extra };
}

describe('trust bundle', () => {
  const parties = [generateIdentity(), generateIdentity(), generateIdentity()];
  const b = bundleOf(parties);

  it('round-trips through JSON and has a stable fingerprint that changes with any key', () => {
    expect(parseTrustBundle(JSON.parse(JSON.stringify(b)))).toEqual(b);
    expect(trustBundleFingerprint(parseTrustBundle(JSON.parse(JSON.stringify(b))))).toBe(trustBundleFingerprint(b));
    const other = { ...b, parties: b.parties.map((p, i) => (i === 1 ? { ...p, agreementPublicKey: publicIdentity(generateIdentity()).agreementPublicKey } : p)) as TrustBundle['parties'] };
    expect(trustBundleFingerprint(other)).not.toBe(trustBundleFingerprint(b));
  });

  it.each([
    ['not an object', 7, /expected a JSON object/],
    ['wrong format', { ...b, format: 'x' }, /format/],
    ['two parties', { ...b, parties: b.parties.slice(0, 2) }, /parties: expected three/],
    ['index out of order', { ...b, parties: [b.parties[1], b.parties[0], b.parties[2]] }, /parties\[0\]\.index/],
    ['short key', { ...b, parties: [{ ...b.parties[0], agreementPublicKey: 'abcd' }, b.parties[1], b.parties[2]] }, /agreementPublicKey/],
    ['one party twice', { ...b, parties: [b.parties[0], { ...b.parties[0], index: 1 }, b.parties[2]] }, /distinct keys/],
    ['no coordinator', { ...b, coordinator: undefined }, /coordinator/],
    ['bad date', { ...b, issuedAt: 'yesterday' }, /issuedAt/],
    ['bad previous', { ...b, previous: 'beef' }, /previous/],
  ])('refuses %s', (_name, v, msg) => {
    expect(() => parseTrustBundle(v)).toThrow(msg);
  });

  it('accepts a rotation signed by the three replaced parties', () => {
    const fresh = [parties[0]!, generateIdentity(), parties[2]!];
    const next = bundleOf(fresh, { previous: trustBundleFingerprint(b) });
    const signed = { ...next, rotation: parties.map((p, i) => signRotation(next, i, p.signing.secretKey)) };
    expect(verifyRotation(b, parseTrustBundle(JSON.parse(JSON.stringify(signed))))).toEqual({ ok: true });
  });

  it('refuses a rotation missing a replaced party, signed by the new key instead, or not naming its predecessor', () => {
    const fresh = [parties[0]!, generateIdentity(), parties[2]!];
    const next = bundleOf(fresh, { previous: trustBundleFingerprint(b) });
    const two = { ...next, rotation: [signRotation(next, 0, parties[0]!.signing.secretKey), signRotation(next, 2, parties[2]!.signing.secretKey)] };
    expect(verifyRotation(b, two)).toMatchObject({ ok: false, reason: expect.stringMatching(/party 1/) });
    const byNew = { ...next, rotation: fresh.map((p, i) => signRotation(next, i, p.signing.secretKey)) };
    expect(verifyRotation(b, byNew)).toMatchObject({ ok: false, reason: expect.stringMatching(/party 1/) });
    const orphan = bundleOf(fresh);
    const orphanSigned = { ...orphan, rotation: parties.map((p, i) => signRotation(orphan, i, p.signing.secretKey)) };
    expect(verifyRotation(b, orphanSigned)).toMatchObject({ ok: false, reason: expect.stringMatching(/predecessor/) });
    // Changing a key after the parties signed breaks their signatures.
    const signed = { ...next, rotation: parties.map((p, i) => signRotation(next, i, p.signing.secretKey)) };
    const tampered = { ...signed, coordinator: { id: 'coordinator', signingPublicKey: publicIdentity(generateIdentity()).signingPublicKey } };
    expect(verifyRotation(b, tampered).ok).toBe(false);
  });
});
