/**
 * @module services/cluster/cluster-nats-access
 * How the services of a local cluster reach the broker: for every NATS user an nkey (fresh on
 * every start, like the passwords before it) whose seed is in `creds/<user>.json` (0600) and
 * whose public key alone is in the server config, and a TLS client certificate of the cluster CA
 * (cluster-tls). A service process gets its TLS files through the environment
 * (`MPC_NATS_TLS_*`, read by transport/nats-connection) and its seed through the credentials
 * file its config names; in-process callers (tests, benchmarks, the readiness probe) get both
 * in one {@link NatsEndpoint}.
 */
import { join } from 'node:path';
import { nkeys } from 'nats';
import { writeCredentialsFile, type NatsCredentials } from '../transport/credentials-file.js';
import type { NatsEndpoint } from '../transport/nats-connection.js';
import { ensureClusterTls, type ClusterTls } from './cluster-tls.js';
import type { NatsUser, SubjectPermissions } from './nats-permissions.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** The NATS side of a local cluster. */
export interface ClusterNatsAccess {
  /** The users for the server's authorization block, or with accounts its account files (public nkeys only). */
  users: NatsUser[];
  /** Credentials file per user. */
  credentialFiles: Record<string, string>;
  tls: ClusterTls;
  /** The seed of `user`. */
  credentials(user: string): NatsCredentials;
  /** Everything a client needs to connect as `user` to `servers`. */
  endpoint(user: string, servers: string): NatsEndpoint;
  /** The environment that gives a service process the TLS files of `user`. */
  env(user: string): Record<string, string>;
}

/** Makes the nkeys, credentials files and TLS material of `users` under `dir` (creds/, tls/). */
export function prepareClusterNatsAccess(dir: string, users: readonly { user: string; permissions: SubjectPermissions }[], opts: { serverAddresses?: readonly string[] } = {}): ClusterNatsAccess {
  const tls = ensureClusterTls(dir, users.map((u) => u.user), opts);
  const seeds = new Map<string, string>();
  const credentialFiles: Record<string, string> = {};
  const out: NatsUser[] = users.map((u) => {
    const kp = nkeys.createUser();
    const seed = new TextDecoder().decode(kp.getSeed());
    seeds.set(u.user, seed);
    const file = join(dir, 'creds', `${u.user}.json`);
    writeCredentialsFile(file, { user: u.user, password: seed });
    credentialFiles[u.user] = file;
    return { user: u.user, nkey: kp.getPublicKey(), permissions: u.permissions };
  });
  const credentials = (user: string): NatsCredentials => {
    const seed = seeds.get(user);
    if (!seed) throw new InvalidArgumentError(`user: no NATS user ${JSON.stringify(user)} in this cluster`);
    return { user, password: seed };
  };
  return {
    users: out,
    credentialFiles,
    tls,
    credentials,
    endpoint(user, servers) {
      return { servers, user, pass: credentials(user).password, tls: tls.client(user) };
    },
    env(user) {
      const t = tls.client(user);
      return { MPC_NATS_TLS_CA: t.caFile, MPC_NATS_TLS_CERT: t.certFile, MPC_NATS_TLS_KEY: t.keyFile };
    },
  };
}
