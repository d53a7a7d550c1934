/**
 * @module services/wire/trust-bundle
 * The keys a client trusts, obtained out of band (`mpc up` writes `.mpc/trust-bundle.json`; an
 * operator hands the file, or its fingerprint, to each client): the three parties' Ed25519 and
 * X25519 keys, the HE workers' and the coordinator's signing keys, and the audit log's
 * checkpoint key. The SDK seals only to the parties' keys in the bundle and accepts only results
 * signed by them, whatever the gateway's registry says.
 *
 * Rotation: a new bundle names the fingerprint of the one it replaces (`previous`) and carries
 * the signatures of all three parties of that bundle over its own fingerprint; a client holding
 * the old bundle accepts the new one only then ({@link verifyRotation}).
 */
import { createHash } from 'node:crypto';
import { canonicalJsonBytes } from '../../crypto-core/canonical-json.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { sign, verifySignature } from '../../crypto-core/keys/signing.js';

/** Format tag of a trust bundle file. */
export const TRUST_BUNDLE_FORMAT = 'mpc-trust-bundle/v1';
/** File name of the bundle in a cluster directory (`mpc up` writes it; the CLI reads it). */
export const TRUST_BUNDLE_FILE = 'trust-bundle.json';
/** Signature domain of rotation signatures. */
export const ROTATION_DOMAIN = 'mpc-trust-rotation/v1';

/** A party as pinned: id, index and both public keys (hex). */
export interface PinnedParty {
  id: string;
  index: number;
  signingPublicKey: string;
  agreementPublicKey: string;
}

/** A signing-only service as pinned. */
export interface PinnedSigner {
  id: string;
  signingPublicKey: string;
}

/** The trusted keys of one deployment. */
export interface TrustBundle {
  format: typeof TRUST_BUNDLE_FORMAT;
  deployment: string;
  /** ISO time the bundle was made. */
  issuedAt: string;
  parties: [PinnedParty, PinnedParty, PinnedParty];
  coordinator: PinnedSigner;
  heWorkers: PinnedSigner[];
  /** The audit log's checkpoint verifier key (C2SP note key text), when the log signs checkpoints. */
  auditLogKey?: string;
  /** Fingerprint of the bundle this one replaces. */
  previous?: string;
  /** Signatures (base64) by the replaced bundle's parties, by index, over this bundle's fingerprint. */
  rotation?: { party: number; signature: string }[];
}

function fail(msg: string): never {
  throw new InvalidArgumentError(`trust bundle: ${msg}`);
}

function checkKey(v: unknown, name: string): string {
  if (typeof v !== 'string') fail(`${name}: expected 64 hex characters`);
  fromHex(v, `trust bundle ${name}`, 32);
  return v.toLowerCase();
}

function checkSigner(v: unknown, name: string): PinnedSigner {
  const s = v as Partial<PinnedSigner> | null;
  if (typeof s !== 'object' || s === null || typeof s.id !== 'string' || s.id.length === 0) fail(`${name}: expected { id, signingPublicKey }`);
  return { id: s.id, signingPublicKey: checkKey(s.signingPublicKey, `${name}.signingPublicKey`) };
}

/**
 * Checks a parsed bundle file and returns it normalised (lower-case hex).
 * @throws InvalidArgumentError naming the field that is wrong.
 */
export function parseTrustBundle(v: unknown): TrustBundle {
  const b = v as Partial<TrustBundle> | null;
  if (typeof b !== 'object' || b === null) fail('expected a JSON object');
  if (b.format !== TRUST_BUNDLE_FORMAT) fail(`format: expected ${JSON.stringify(TRUST_BUNDLE_FORMAT)}, got ${JSON.stringify(b.format)}`);
  if (typeof b.deployment !== 'string' || b.deployment.length === 0) fail('deployment: expected a non-empty string');
  if (typeof b.issuedAt !== 'string' || Number.isNaN(Date.parse(b.issuedAt))) fail('issuedAt: expected an ISO date');
  if (!Array.isArray(b.parties) || b.parties.length !== 3) fail('parties: expected three parties');
  const parties = b.parties.map((p, i) => {
    const s = checkSigner(p, `parties[${i}]`);
    if ((p as PinnedParty).index !== i) fail(`parties[${i}].index: expected ${i}, got ${JSON.stringify((p as PinnedParty).index)}`);
    return { ...s, index: i, agreementPublicKey: checkKey((p as PinnedParty).agreementPublicKey, `parties[${i}].agreementPublicKey`) };
  }) as TrustBundle['parties'];
  const keys = new Set(parties.flatMap((p) => [p.signingPublicKey, p.agreementPublicKey]));
  if (keys.size !== 6) fail('parties: the three parties must have distinct keys');
  if (!Array.isArray(b.heWorkers)) fail('heWorkers: expected an array');
  const out: TrustBundle = {
    format: TRUST_BUNDLE_FORMAT,
    deployment: b.deployment,
    issuedAt: b.issuedAt,
    parties,
    coordinator: checkSigner(b.coordinator, 'coordinator'),
    heWorkers: b.heWorkers.map((w, i) => checkSigner(w, `heWorkers[${i}]`)),
  };
  if (b.auditLogKey !== undefined) {
    if (typeof b.auditLogKey !== 'string' || b.auditLogKey.length === 0) fail('auditLogKey: expected a note verifier key');
    out.auditLogKey = b.auditLogKey;
  }
  if (b.previous !== undefined) {
    if (typeof b.previous !== 'string' || !/^[0-9a-f]{64}$/.test(b.previous)) fail('previous: expected a SHA-256 fingerprint (64 hex characters)');
    out.previous = b.previous;
  }
  if (b.rotation !== undefined) {
    if (!Array.isArray(b.rotation) || !b.rotation.every((r) => Number.isInteger(r?.party) && typeof r?.signature === 'string')) fail('rotation: expected [{ party, signature }]');
    out.rotation = b.rotation.map((r) => ({ party: r.party, signature: r.signature }));
  }
  return out;
}

/** The bundle's fingerprint: SHA-256 (hex) of its canonical JSON without the rotation signatures. */
export function trustBundleFingerprint(bundle: TrustBundle): string {
  const { rotation: _rotation, ...signed } = bundle;
  return toHex(createHash('sha256').update(canonicalJsonBytes(signed)).digest());
}

function rotationMessage(fingerprint: string): Uint8Array {
  return canonicalJsonBytes({ domain: ROTATION_DOMAIN, fingerprint });
}

/** Party `index`'s rotation signature (base64) of `next`, with the party's current signing secret key. */
export function signRotation(next: TrustBundle, index: number, signingSecretKey: Uint8Array): { party: number; signature: string } {
  return { party: index, signature: toBase64(sign(rotationMessage(trustBundleFingerprint(next)), signingSecretKey)) };
}

/**
 * Whether a client holding `current` may accept `next`: `next.previous` is `current`'s
 * fingerprint and each of `current`'s three parties signed `next`'s fingerprint.
 */
export function verifyRotation(current: TrustBundle, next: TrustBundle): { ok: true } | { ok: false; reason: string } {
  if (next.previous !== trustBundleFingerprint(current)) return { ok: false, reason: 'the new bundle does not name the current one as its predecessor' };
  const msg = rotationMessage(trustBundleFingerprint(next));
  for (const p of current.parties) {
    const sig = next.rotation?.find((r) => r.party === p.index)?.signature;
    let ok = false;
    try {
      ok = sig !== undefined && verifySignature(fromBase64(sig, 'signature'), msg, fromHex(p.signingPublicKey, 'key', 32));
    } catch {
      ok = false;
    }
    if (!ok) return { ok: false, reason: `party ${p.index} (${p.id}) of the current bundle did not sign the new one` };
  }
  return { ok: true };
}

/** What a deployment's keys are, as its operator knows them. */
export interface TrustBundleKeys {
  deployment: string;
  parties: readonly { id: string; signingPublicKey: string; agreementPublicKey: string }[];
  coordinator: PinnedSigner;
  heWorkers?: readonly PinnedSigner[];
  auditLogKey?: string;
  /** Default: now. */
  issuedAt?: Date;
}

/** A checked bundle of `keys` (parties in index order). */
export function makeTrustBundle(keys: TrustBundleKeys): TrustBundle {
  return parseTrustBundle({
    format: TRUST_BUNDLE_FORMAT,
    deployment: keys.deployment,
    issuedAt: (keys.issuedAt ?? new Date()).toISOString(),
    parties: keys.parties.map((p, index) => ({ id: p.id, index, signingPublicKey: p.signingPublicKey, agreementPublicKey: p.agreementPublicKey })),
    coordinator: keys.coordinator,
    heWorkers: [...(keys.heWorkers ?? [])],
    ...(keys.auditLogKey ? { auditLogKey: keys.auditLogKey } : {}),
  });
}
