/**
 * @module services/cluster/nats-permissions
 * The NATS `authorization` block of a cluster: one user per service with publish and subscribe
 * allow lists, so a compromised service can only speak where its role speaks. Party i may
 * publish only protocol frames whose subject names it as the sender (`mpc.p2p.*.i.*`) and read
 * only frames addressed to it, so a party cannot even attempt to read the other pair's traffic
 * through the broker, and a forged sender is stopped before the AEAD check.
 */
import { subjects } from '../wire/api.js';
import { inventorySubject } from '../wire/storage-inventory.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** Publish and subscribe allow lists of one user. */
export interface SubjectPermissions {
  publish: string[];
  subscribe: string[];
  /**
   * Messages the user may publish to the reply subject of each request it received (the
   * server's `allow_responses.max`; default 1). A service whose replies come in pieces needs
   * its largest reply's piece count plus the empty end message.
   */
  maxResponses?: number;
}

/** One NATS user: with an nkey (the server holds only its public key) or, for simple test servers, a password. */
export type NatsUser = { user: string; permissions: SubjectPermissions } & ({ nkey: string; password?: undefined } | { password: string; nkey?: undefined });

const INBOX = '_INBOX.>';
/**
 * Reply subjects of requests that reach an account through a service import (nats-accounts):
 * the server rewrites the requester's inbox to `_R_.<token>` in the answering account. The
 * coordinator answers chunked API replies (several messages), beyond one `allow_responses`.
 */
const IMPORTED_REPLIES = '_R_.>';

/** Permissions of party `index` with service id `id`. */
export function partyPermissions(id: string, index: number): SubjectPermissions {
  return {
    publish: [`mpc.p2p.*.${index}.*`, 'mpc.coord.report.>', subjects.announce],
    subscribe: [`mpc.p2p.*.*.${index}`, subjects.jobDispatch(id), subjects.health(id), subjects.witness(id), inventorySubject(id), INBOX],
  };
}

/** Permissions of the coordinator (with JetStream for the audit log, the model catalogue and the job book). */
export function coordinatorPermissions(): SubjectPermissions {
  return {
    publish: ['mpc.svc.*.job', 'mpc.svc.*.health', 'mpc.svc.*.witness', 'mpc.svc.*.inventory', 'mpc.coord.events.>', 'mpc.audit.>', '$JS.API.>', '$KV.mpc_models.>', '$KV.mpc_jobs.>', '$KV.mpc_datasets.>', '$KV.mpc_he_models.>', '$KV.mpc_quarantine.>', INBOX, IMPORTED_REPLIES],
    subscribe: ['mpc.coord.api.>', 'mpc.coord.report.>', subjects.announce, 'mpc.audit.>', INBOX],
  };
}

/** Permissions of the gateway: calls the API, follows job events. */
export function gatewayPermissions(): SubjectPermissions {
  return { publish: ['mpc.coord.api.>'], subscribe: ['mpc.coord.events.>', INBOX] };
}

/**
 * Permissions of the plain client account (readiness probes of `mpc up` and scripts): the
 * coordinator methods that take no principal, nothing else; no job events, which name other
 * tenants' jobs. Principals reach the coordinator only from the gateway account, inside
 * envelopes signed by the gateway key (coordinator/principal-gate); client commands of the CLI
 * go through the gateway's HTTP API.
 */
export function clientPermissions(): SubjectPermissions {
  return { publish: [subjects.api('health.ready'), subjects.api('registry.list')], subscribe: [INBOX] };
}

/** The `permissions: { ... }` text of one user's allow lists (strings quoted as JSON). */
export function permissionsText(p: SubjectPermissions): string {
  const list = (xs: readonly string[]): string => `[${xs.map((s) => JSON.stringify(s)).join(', ')}]`;
  return `permissions: { publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} }, allow_responses: ${p.maxResponses === undefined ? 'true' : `{ max: ${p.maxResponses} }`} }`;
}

/**
 * The config text of `users` (strings quoted as JSON). An nkey user is written as its public key
 * with the user name in a comment: the server then holds no secret, and the client proves the
 * seed by signing the connection's nonce (transport/nats-connection).
 */
export function authorizationBlock(users: readonly NatsUser[]): string {
  const q = (s: string): string => JSON.stringify(s);
  const rows = users.map((u) => {
    const perms = permissionsText(u.permissions);
    if (u.nkey !== undefined) {
      if (!/^U[A-Z2-7]{55}$/.test(u.nkey)) throw new InvalidArgumentError(`users: ${u.user}: nkey is not a public user nkey (U...)`);
      return `    # ${u.user.replace(/[^A-Za-z0-9_-]/g, '?')}\n    { nkey: ${q(u.nkey)}, ${perms} }`;
    }
    return `    { user: ${q(u.user)}, password: ${q(u.password)}, ${perms} }`;
  });
  return `authorization {\n  users: [\n${rows.join(',\n')}\n  ]\n}`;
}
