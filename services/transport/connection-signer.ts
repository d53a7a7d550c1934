/**
 * @module services/transport/connection-signer
 * Which gateway key a NATS connection speaks with when it calls the coordinator: the gateway
 * binds its key to its connection, and so do operator tools and test harnesses that call the
 * coordinator directly over the broker (services/cluster/coordinator-caller). A call made on a
 * connection with no key is sent unsigned, and the coordinator refuses every method but
 * readiness and the registry (services/coordinator/principal-gate).
 *
 * The binding is held by the connection object (a WeakMap), as its NATS credentials are: it
 * ends with the connection, and no other connection inherits it.
 */
import type { NatsConnection } from 'nats';
import type { PrincipalSigner } from '../wire/principal-envelope.js';

const signers = new WeakMap<NatsConnection, PrincipalSigner>();

/** Makes calls on `nc` carry envelopes signed by `signer`; returns `nc`. */
export function bindPrincipalSigner(nc: NatsConnection, signer: PrincipalSigner): NatsConnection {
  signers.set(nc, signer);
  return nc;
}

/** The gateway key bound to `nc`, if any. */
export function principalSignerOf(nc: NatsConnection): PrincipalSigner | undefined {
  return signers.get(nc);
}
