/**
 * @module services/cluster/he-worker-cluster
 * What the local cluster (services/cluster/local-cluster) needs to run HE workers as processes:
 * each worker's NATS permissions, its {@link LocalServiceSpec} (identity made once under
 * `keys/`, config under `config/`, command `mpc he-worker`), and the entries of the
 * coordinator's trust list. Two workers make dual execution possible.
 */
import { join } from 'node:path';
import type { PublicIdentity } from '../../crypto-core/keys/identity.js';
import type { LocalServiceSpec } from './local-service-spec.js';
import { ensureIdentity } from './service-identity.js';
import type { SubjectPermissions } from './nats-permissions.js';
import { subjects } from '../wire/api.js';
import { HE_REPLY_MAX_MESSAGES } from '../wire/he-messages.js';
import type { CoordinatorConfigFile } from '../coordinator/coordinator-config.js';
import type { HeWorkerConfigFile } from '../he-worker/he-worker-config.js';

/** Service ids of the two workers a local cluster starts by default. */
export const DEFAULT_HE_WORKER_IDS = ['he-worker-1', 'he-worker-2'] as const;

/**
 * Permissions of HE worker `id`: read only its own request and health subjects; publish only
 * announcements. Replies go to the requester's inbox under the server's `allow_responses`
 * (which the cluster's authorization block, or account file, turns on), so a worker cannot publish into any
 * other inbox; test/he-service/he-worker-permissions.test.ts runs a whole dual execution,
 * chunked keys and multi-message replies included, under exactly these permissions.
 */
export function heWorkerPermissions(id: string): SubjectPermissions {
  return {
    publish: [subjects.announce],
    subscribe: [subjects.jobDispatch(id), subjects.health(id)],
    maxResponses: HE_REPLY_MAX_MESSAGES,
  };
}


/** Options of {@link heWorkerServiceSpecs}. */
export interface HeWorkerSpecOptions {
  /** Worker service ids (default {@link DEFAULT_HE_WORKER_IDS}). */
  ids?: readonly string[];
  /** Threads per worker process (default 1: two processes on a two-core machine). */
  threads?: number;
  announceIntervalMs?: number;
}

/**
 * The cluster specs of the HE workers, for `startLocalCluster({ extraServices })`. Makes each
 * worker's identity under `<dir>/keys` on first use (reused later) and returns its public keys.
 */
export function heWorkerServiceSpecs(dir: string, opts: HeWorkerSpecOptions = {}): { specs: LocalServiceSpec[]; keys: Record<string, PublicIdentity> } {
  const ids = opts.ids ?? DEFAULT_HE_WORKER_IDS;
  const rel = (p: string): string => join('..', p);
  const keys: Record<string, PublicIdentity> = {};
  const specs = ids.map((id): LocalServiceSpec => {
    keys[id] = ensureIdentity(dir, id);
    return {
      name: id,
      command: 'he-worker',
      permissions: heWorkerPermissions(id),
      config: ({ natsServers }) =>
        ({
          id,
          nats: { servers: natsServers, credentialsFile: rel(`creds/${id}.json`) },
          identityFile: rel(`keys/${id}.identity.json`),
          coordinatorPublicKeyFile: rel('keys/coordinator.public.json'),
          threads: opts.threads ?? 1,
          announceIntervalMs: opts.announceIntervalMs ?? 1000,
        }) satisfies HeWorkerConfigFile,
    };
  });
  return { specs, keys };
}

/** The coordinator config's trust-list entries for the HE workers (paths relative to config/). */
export function heWorkerTrustEntries(ids: readonly string[] = DEFAULT_HE_WORKER_IDS): CoordinatorConfigFile['services'] {
  return ids.map((id) => ({ id, kind: 'he-worker' as const, publicKeyFile: join('..', 'keys', `${id}.public.json`) }));
}
