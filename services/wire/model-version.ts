/**
 * @module services/wire/model-version
 * The owner-signed statement of one model version: what the model owner states about a version
 * it publishes (name, version, mode, the SHA-256 of each party's sealed view (MPC) or of the ONNX
 * file (HE), the owner tenant, an optional residency constraint, the time), signed with the
 * owner's Ed25519 model key. The parties (and, for HE versions, the HE workers) verify it before
 * storing their view, check the digest of the box they received against
 * it, and pin the key at a model name's first version: a later version signed by another key is
 * refused, whatever the coordinator says. The sealed views' associated data names the key
 * ({@link signedModelShareAad}), so a coordinator cannot re-sign an owner's views under a key of
 * its own, not even at the first version.
 *
 * ```
 * { payload:   RFC 8785 canonical JSON of the {@link ModelVersionBody},
 *   publicKey: hex Ed25519 public key of the owner's model key,
 *   signature: hex Ed25519 signature of "mpc-model-version/v1" || 0x00 || UTF-8(payload) }
 * ```
 *
 * The payload travels as the signed text (no re-serialisation before verifying); only its one
 * canonical text is accepted (pattern of services/wire/dataset-manifest).
 */
import { domainMessage } from '../../crypto-core/keys/signed-message.js';
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import { fromHex, toHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { sign, signingPublicKey, verifySignature } from '../../crypto-core/keys/signing.js';

/** Domain label prefixed (with a 0x00 byte) to the payload before signing. */
export const MODEL_VERSION_DOMAIN = 'mpc-model-version/v1';

/** What the model owner signs for one version. */
export interface ModelVersionBody {
  readonly format: typeof MODEL_VERSION_DOMAIN;
  readonly name: string;
  readonly version: string;
  readonly mode: 'mpc' | 'he';
  /** MPC: SHA-256 (hex) of the three sealed views, by party index: what each party checks its box against. */
  readonly boxSha256?: readonly [string, string, string];
  /** HE: SHA-256 (hex) of the ONNX bytes: what each HE worker checks the model it is given against. */
  readonly onnxSha256?: string;
  /** The owner tenant, when the client names it; the parties compare it with the order's. */
  readonly owner?: { readonly tenant: string };
  /** Where the shares may be kept (a region code), when the owner says. */
  readonly residency?: string;
  /** ISO-8601 time of signing. */
  readonly createdAt: string;
}

/** A signed statement as it travels (gateway body, job order) and as the parties keep it. */
export interface SignedModelVersion {
  /** Canonical JSON text of the {@link ModelVersionBody}. */
  readonly payload: string;
  /** Hex Ed25519 public key of the owner's model key. */
  readonly publicKey: string;
  /** Hex Ed25519 signature (see the module comment). */
  readonly signature: string;
}

function message(payload: string): Uint8Array {
  return domainMessage(MODEL_VERSION_DOMAIN, payload);
}

/**
 * Signs `body` with the 32-byte Ed25519 seed `secretKey`.
 * @throws InvalidArgumentError when the key is not 32 bytes or the body has no canonical JSON.
 */
export function signModelVersion(body: ModelVersionBody, secretKey: Uint8Array): SignedModelVersion {
  if (typeof body !== 'object' || body === null || body.format !== MODEL_VERSION_DOMAIN) throw new InvalidArgumentError(`body.format: expected '${MODEL_VERSION_DOMAIN}'`);
  const payload = canonicalJson(body);
  return { payload, publicKey: toHex(signingPublicKey(secretKey)), signature: toHex(sign(message(payload), secretKey)) };
}

/**
 * The body of `s` when its signature verifies under its own key and its payload is the
 * canonical text of a model-version body; `undefined` otherwise (never throws). Whose key it is
 * is the caller's decision (the parties pin it at a name's first version).
 */
export function openModelVersion(s: unknown): ModelVersionBody | undefined {
  const m = s as SignedModelVersion;
  if (typeof m !== 'object' || m === null || typeof m.payload !== 'string' || typeof m.publicKey !== 'string' || typeof m.signature !== 'string') return undefined;
  let body: ModelVersionBody;
  try {
    body = JSON.parse(m.payload) as ModelVersionBody;
    if (typeof body !== 'object' || body === null || canonicalJson(body) !== m.payload || body.format !== MODEL_VERSION_DOMAIN) return undefined;
    // One digest field per mode: an MPC statement names three boxes, an HE statement one ONNX file.
    const hex = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
    if (body.mode === 'mpc' ? !(Array.isArray(body.boxSha256) && body.boxSha256.length === 3 && body.boxSha256.every(hex) && body.onnxSha256 === undefined) : !(body.mode === 'he' && hex(body.onnxSha256) && body.boxSha256 === undefined)) return undefined;
    if (!verifySignature(fromHex(m.signature, 'signature', 64), message(m.payload), fromHex(m.publicKey, 'publicKey', 32))) return undefined;
  } catch {
    return undefined;
  }
  return body;
}

/** Associated data of party `i`'s sealed model view, bound to the owner's model key (hex). */
export function signedModelShareAad(name: string, version: string, partyIndex: number, ownerPublicKey: string): Uint8Array {
  return new TextEncoder().encode(`mpc-model-share/v2\n${name}\n${version}\n${partyIndex}\n${ownerPublicKey}`);
}
