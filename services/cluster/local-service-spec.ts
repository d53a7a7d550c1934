/**
 * @module services/cluster/local-service-spec
 * What the local cluster needs to know of one service it starts as a process, and the
 * cluster.json it writes: shared by local-cluster and the per-service spec builders
 * (he-worker-cluster), so that neither imports the other.
 */
import type { PublicIdentity } from '../../crypto-core/keys/identity.js';
import type { SubjectPermissions } from './nats-permissions.js';

/** One service process of the cluster. */
export interface LocalServiceSpec {
  /** Service id, NATS user name and file stem. */
  name: string;
  permissions: SubjectPermissions;
  /**
   * The config file content (written to config/<name>.json); receives the paths it may name.
   * `natsUrl` is the service's own server, `natsServers` that one first and then the fallbacks
   * (one entry on a single server; with `--topology cluster`, its organisation's server first).
   */
  config: (ctx: { dir: string; natsUrl: string; natsServers: string[]; credentialsFile: string }) => unknown;
  /** CLI command (`party`, `coordinator`, `gateway`, ...), run as `mpc <command> --config <file>`. */
  command: string;
  /** Fields this service adds to cluster.json (e.g. the gateway's `gatewayUrl`). */
  clusterFileFields?: Partial<ClusterFile>;
}

/** Contents of cluster.json. */
export interface ClusterFile {
  natsUrl: string;
  /** Every server of the broker, when it is a cluster (`--topology cluster`). */
  natsServers?: string[];
  /** The server each service connects to first (its organisation's), by service id. */
  natsHome?: Record<string, string>;
  /** Credentials file per NATS user. */
  credentials: Record<string, string>;
  /** TLS of the broker: the cluster CA and each user's client certificate and key files. */
  natsTls?: { caFile: string; clients: Record<string, { caFile: string; certFile?: string; keyFile?: string }> };
  /** Public keys per service. */
  publicKeys: Record<string, PublicIdentity>;
  /** Party service ids by index. */
  parties: string[];
  /** Gateway URL, when a gateway runs. */
  gatewayUrl?: string;
  startedAt: string;
}
