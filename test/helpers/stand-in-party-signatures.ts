/**
 * Stand-in parties of the SDK tests sign their sealed outputs the way real parties do
 * (services/party/runners/inference-runner: an output statement per party, wire/output-statement),
 * so the SDK's signature check runs against real Ed25519 signatures.
 */
import { generateSigningKeyPair, type SigningKeyPair } from '../../crypto-core/keys/signing.js';
import { boxDigest, signOutputStatement } from '../../services/wire/output-statement.js';

/** Three signing key pairs, one per stand-in party. */
export function standInSigners(): [SigningKeyPair, SigningKeyPair, SigningKeyPair] {
  return [generateSigningKeyPair(), generateSigningKeyPair(), generateSigningKeyPair()];
}

/** Each stand-in party's signature of its output box for `jobId`. */
export function signStandInOutputs(signers: readonly SigningKeyPair[], jobId: string, p: { modelId: string; clientPublicKey: string; sealedInputs: readonly string[] }, sealedOutputs: readonly string[]): string[] {
  return sealedOutputs.map((box, i) =>
    signOutputStatement({ jobId, kind: 'mpc-inference', subject: p.modelId, party: i, inputDigest: boxDigest(p.sealedInputs[i]!), outputDigest: boxDigest(box), clientPublicKey: p.clientPublicKey }, signers[i]!),
  );
}
