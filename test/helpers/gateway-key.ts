/**
 * @module test/helpers/gateway-key
 * A fresh gateway key for tests that start a coordinator themselves: the signer a gateway (or
 * a connection, transport/connection-signer) signs principal envelopes with, and the
 * coordinator's `gateways` entry that trusts it.
 */
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { toHex } from '../../crypto-core/encoding.js';
import type { TrustedGateway } from '../../services/coordinator/principal-gate.js';
import type { PrincipalSigner } from '../../services/wire/principal-envelope.js';

/** A gateway key pair as signer and trust-list entry. */
export function testGatewayKey(id = 'gateway'): { signer: PrincipalSigner; gateways: TrustedGateway[] } {
  const pair = generateSigningKeyPair();
  return { signer: { id, secretKey: pair.secretKey }, gateways: [{ id, signingPublicKey: toHex(pair.publicKey) }] };
}
