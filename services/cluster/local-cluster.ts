/**
 * @module services/cluster/local-cluster
 * A whole cluster on loopback, as separate processes: a spawned `nats-server` whose generated
 * config gives every service its own user and subject permissions, a coordinator and three
 * parties (`process.execPath dist/services/cli/main.js <command> --config <file>`), keys and
 * state under one directory, and `cluster.json` describing it for other commands. Used by
 * `mpc up`, by the fault tests and by the benchmarks.
 *
 * Layout of `dir` (default `.mpc/`): `keys/` (identities 0600, public keys, storage keys),
 * `creds/` (NATS users' nkey seeds, 0600, new on every start), `tls/` (cluster CA, server and
 * client certificates, cluster-tls), `config/` (one JSON per service),
 * `state/<service>/`, `logs/<service>.log`, `nats/` (server log, JetStream store), `cluster.json`.
 * One server has one `authorization` block (every service is the one operator's); with
 * `topology: 'cluster'` every user is in its organisation's NATS account instead
 * (nats-accounts: `nats/accounts/<ACCOUNT>.conf`, included by each server).
 * Keys are made once and reused by later starts, so stored shares stay readable.
 *
 * With {@link LocalCluster.supervise} (as `mpc up` does) a service that dies is restarted with
 * backoff, and the event is reported and logged.
 *
 * Adding a service (the gateway, an HE worker) is one more {@link LocalServiceSpec}: a name, its
 * NATS permissions, its config file and its command.
 */
import { makeTrustBundle, TRUST_BUNDLE_FILE } from '../wire/trust-bundle.js';
import { encodeVerifierKey } from '../../crypto-core/checkpoint/index.js';
import { formatWitnessPolicy } from '../audit/witness-policy.js';
import { ensureIdentity } from './service-identity.js';
import { heWorkerServiceSpecs, heWorkerTrustEntries } from './he-worker-cluster.js';
import type { ClusterFile, LocalServiceSpec } from './local-service-spec.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from 'nats';
import type { PublicIdentity } from '../../crypto-core/keys/identity.js';
import { readIdentityFile } from '../../crypto-core/keys/key-file.js';
import type { PrincipalSigner } from '../wire/principal-envelope.js';
import { generateStorageKey, writeStorageKeyFile } from '../../crypto-core/keys/storage-key.js';
import { MpcError } from '../../crypto-core/errors.js';
import { NatsServerProcess } from './nats-server-process.js';
import type { CoordinatorConfigFile } from '../coordinator/coordinator-config.js';
import type { PartyConfigFile } from '../party/party-config.js';
import type { NatsCredentials } from '../transport/credentials-file.js';
import { connectionOptions, connectService, type NatsEndpoint } from '../transport/nats-connection.js';
import { prepareClusterNatsAccess } from './cluster-nats-access.js';
import { CLUSTER_SERVERS, homeServer, serverOrder, startClusterServers, waitJetStream, type ClusterTopology, type OrganisationNetwork } from './topology.js';
import { findIp } from './nats-server-process.js';
import { callCoordinator } from './coordinator-caller.js';
import { ServiceSupervisor, type SupervisorEvent } from './service-supervisor.js';
import { accountFiles, accountOf, clusterAccounts } from './nats-accounts.js';
import { authorizationBlock, clientPermissions, coordinatorPermissions, gatewayPermissions, partyPermissions, type SubjectPermissions } from './nats-permissions.js';

/** The witness policy `mpc up` writes next to cluster.json (for `mpc audit verify --policy`). */
export const WITNESS_POLICY_FILE = 'witness-policy.txt';

/** The cluster did not come up. */
export class LocalClusterError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('local-cluster', message, options);
  }
}


/** Options of {@link startLocalCluster}. */
export type { ClusterFile, LocalServiceSpec } from './local-service-spec.js';

export interface LocalClusterOptions {
  /** Directory of keys, state, logs and cluster.json (default `.mpc`). */
  dir?: string;
  /** NATS client port (default: a free port). */
  natsPort?: number;
  /** Enable JetStream and the Merkle audit log (default true). */
  jetstream?: boolean;
  /**
   * HE worker processes (default 2: dual execution needs two distinct workers; 0 for none).
   * Each runs one SEAL thread.
   */
  heWorkers?: number;
  /** More services to start after the parties (e.g. the gateway). */
  extraServices?: (ctx: { dir: string; keys: Record<string, PublicIdentity> }) => LocalServiceSpec[];
  /**
   * Extra NATS users without a process (tests: an observer with full permissions); each gets an
   * nkey and a client certificate. With `topology: 'cluster'` each is listed in `account`
   * (default the coordinator's, the only one with JetStream; nats-accounts).
   */
  extraUsers?: { user: string; permissions: SubjectPermissions; account?: string }[];
  /** Coordinator's job timeout (ms). */
  jobTimeoutMs?: number;
  /** The CLI entry point (default: dist/services/cli/main.js of this checkout). */
  cliPath?: string;
  /** Milliseconds to wait for every service to be up (default 30000). */
  readyTimeoutMs?: number;
  /** A TCP front of the server (tests: a recording proxy): given the server's port, the loopback port every client connects to instead. */
  natsFront?: (serverPort: number) => Promise<number>;
  /**
   * `single` (default): one nats-server. `cluster`: three nats-servers joined by routes (TLS with
   * the cluster CA and a route password), JetStream replicated R3, one per organisation: party i
   * connects to server i first, the coordinator to server 0, the gateway to server 1, HE workers
   * round robin, each with the other two servers as fallbacks (topology.ts).
   */
  topology?: ClusterTopology;
  /**
   * With `topology: 'cluster'`: organisation i's network namespace and address (made by the
   * caller, e.g. the test, joined by a bridge). Server i and party i then run in namespace i
   * (`ip netns exec`, needs root); the other services stay in this process's namespace.
   */
  organisations?: readonly OrganisationNetwork[];
}

/** A running local cluster. */
export interface LocalCluster {
  dir: string;
  natsUrl: string;
  /** The first (or only) server. */
  nats: NatsServerProcess;
  /** Every server (three with `topology: 'cluster'`), in organisation order. */
  natsServers: NatsServerProcess[];
  /** Their client URLs, in the same order. */
  natsUrls: string[];
  /** Path of cluster.json. */
  clusterFile: string;
  /** Public keys by service id. */
  keys: Record<string, PublicIdentity>;
  /** NATS credentials of the CLI client user `client` (readiness and the registry only). */
  clientCredentials: NatsCredentials;
  /** NATS credentials of the `gateway` user, the one account that reaches the coordinator's methods. */
  gatewayCredentials: NatsCredentials;
  /**
   * The gateway key (`keys/gateway.identity.json`) the coordinator trusts to assert principals:
   * operator tools and tests that call the coordinator over the broker bind it to a connection
   * of the gateway account (transport/connection-signer), as the gateway itself does.
   */
  gatewaySigner: PrincipalSigner;
  /** Child processes by service id. */
  processes: Map<string, ChildProcess>;
  /** How to connect as NATS user `user` (its nkey seed and TLS files). */
  endpoint(user: string): NatsEndpoint;
  /** A connection as NATS user `user` (over TLS, with its nkey). */
  connect(user: string, name?: string): Promise<NatsConnection>;
  /** Kills service `name` with `signal` (fault drills); resolves when it has exited. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /**
   * From now on, a service process that exits on its own is started again with backoff
   * (services/cluster/service-supervisor); each exit and restart goes to `onEvent` and to
   * `logs/supervisor.log`. `mpc up` calls it once the cluster is ready.
   */
  supervise(onEvent?: (e: SupervisorEvent) => void): void;
  /** Starts service `name` again (after `kill`). */
  restart(name: string): Promise<void>;
  /** Stops every service (SIGTERM, then SIGKILL after 5 s) and the NATS server. Idempotent. */
  stop(): Promise<void>;
}


const PARTY_IDS = ['party-0', 'party-1', 'party-2'] as const;

/** `<repo>/dist/services/...` from this file, whether it runs from dist/ or from source under vitest. */
function distPath(...parts: string[]): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const repo = here.includes(join('dist', 'services')) ? resolve(here, '..', '..', '..') : resolve(here, '..', '..');
  return join(repo, 'dist', 'services', ...parts);
}

/** The process arguments that run `command`: the `mpc` CLI entry of this checkout's dist/. */
function entryFor(command: string, cliPath: string | undefined): string[] {
  return [cliPath ?? distPath('cli', 'main.js'), command];
}


/** Starts NATS, the coordinator, three parties and any extra services; resolves once all are up. */
export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const dir = resolve(opts.dir ?? '.mpc');
  const topology = opts.topology ?? 'single';
  if (opts.organisations && topology !== 'cluster') throw new LocalClusterError('organisations: only with topology "cluster"');
  if (topology !== 'single' && topology !== 'cluster') throw new LocalClusterError(`topology: expected "single" or "cluster", got ${JSON.stringify(topology)}`);
  const probe = entryFor('party', opts.cliPath);
  if (!existsSync(probe[0]!)) throw new LocalClusterError(`${probe[0]} not found: run 'npm run build' first (the services run from dist/)`);
  for (const sub of ['keys', 'creds', 'config', 'state', 'logs', 'nats']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });

  const keys: Record<string, PublicIdentity> = {};
  // The gateway's key is made whether or not a gateway runs: tools on this machine call as the gateway.
  for (const name of ['coordinator', ...PARTY_IDS, 'gateway']) keys[name] = ensureIdentity(dir, name);
  const heIds = Array.from({ length: opts.heWorkers ?? 2 }, (_, i) => `he-worker-${i + 1}`);
  const he = heWorkerServiceSpecs(dir, { ids: heIds });
  Object.assign(keys, he.keys);
  for (const p of PARTY_IDS) {
    const f = join(dir, 'keys', `${p}.storage.json`);
    if (!existsSync(f)) writeStorageKeyFile(f, generateStorageKey());
  }

  const rel = (p: string): string => join('..', p);
  const specs: LocalServiceSpec[] = [
    {
      name: 'coordinator',
      command: 'coordinator',
      permissions: coordinatorPermissions(),
      config: ({ natsServers }) =>
        ({
          id: 'coordinator',
          nats: { servers: natsServers, credentialsFile: rel('creds/coordinator.json') },
          identityFile: rel('keys/coordinator.identity.json'),
          services: [...PARTY_IDS.map((id, index) => ({ id, kind: 'party' as const, index, publicKeyFile: rel(`keys/${id}.public.json`) })), ...heWorkerTrustEntries(heIds)],
          gateways: [{ id: 'gateway', publicKeyFile: rel('keys/gateway.public.json') }],
          audit: opts.jetstream === false ? 'memory' : 'jetstream',
          ...(topology === 'cluster' ? { replicas: CLUSTER_SERVERS } : {}),
          ...(opts.jobTimeoutMs ? { jobTimeoutMs: opts.jobTimeoutMs } : {}),
        }) satisfies CoordinatorConfigFile,
    },
    ...PARTY_IDS.map(
      (id, index): LocalServiceSpec => ({
        name: id,
        command: 'party',
        permissions: partyPermissions(id, index),
        config: ({ natsServers }) =>
          ({
            id,
            index,
            nats: { servers: natsServers, credentialsFile: rel(`creds/${id}.json`) },
            identityFile: rel(`keys/${id}.identity.json`),
            storageKeyFile: rel(`keys/${id}.storage.json`),
            stateDir: rel(`state/${id}`),
            coordinatorPublicKeyFile: rel('keys/coordinator.public.json'),
            peers: Object.fromEntries(PARTY_IDS.map((p, i) => [String(i), rel(`keys/${p}.public.json`)]).filter(([i]) => Number(i) !== index)),
            announceIntervalMs: 1000,
          }) satisfies PartyConfigFile,
      }),
    ),
    ...he.specs,
    ...(opts.extraServices?.({ dir, keys }) ?? []),
  ];

  // Every connection: TLS with the cluster CA (both ways) and an nkey per user (cluster-nats-access).
  const access = prepareClusterNatsAccess(
    dir,
    [
      ...specs.map((s) => ({ user: s.name, permissions: s.permissions })),
      { user: 'client', permissions: clientPermissions() },
      { user: 'gateway', permissions: gatewayPermissions() },
      ...(opts.extraUsers ?? []).map((u) => ({ user: u.user, permissions: u.permissions })),
    ].filter((u, i, all) => all.findIndex((v) => v.user === u.user) === i),
    { serverAddresses: (opts.organisations ?? []).map((o) => o.address) },
  );
  const credentials = access.credentialFiles;

  let servers: NatsServerProcess[];
  if (topology === 'cluster') {
    if (opts.natsFront) throw new LocalClusterError('natsFront: only with the single-server topology');
    // One NATS account per organisation (nats-accounts); an extra user goes where it asks, else to the coordinator's.
    const accountFor = (user: string): string => opts.extraUsers?.find((u) => u.user === user)?.account ?? accountOf(user);
    const accounts = accountFiles(clusterAccounts(access.users.map((u) => ({ ...u, account: accountFor(u.user) }))));
    servers = await startClusterServers({ dir, jetstream: opts.jetstream !== false, firstPort: opts.natsPort, accounts, tls: access.tls.server, ...(opts.organisations ? { network: opts.organisations } : {}) });
  } else {
    servers = [
      await NatsServerProcess.start({
        port: opts.natsPort,
        jetstream: opts.jetstream !== false,
        storeDir: join(dir, 'nats', 'jetstream'),
        serverName: 'mpc-local',
        logFile: join(dir, 'logs', 'nats-server.log'),
        extraConfig: authorizationBlock(access.users),
        tls: access.tls.server,
      }),
    ];
  }
  const nats = servers[0]!;
  const natsUrl = opts.natsFront ? nats.url.replace(`:${nats.port}`, `:${await opts.natsFront(nats.port)}`) : nats.url;
  const natsUrls = topology === 'cluster' ? servers.map((x) => x.url) : [natsUrl];
  const serversOf = (name: string): string[] => serverOrder(natsUrls, homeServer(name, natsUrls.length));
  if (topology === 'cluster' && opts.jetstream !== false) await waitJetStream({ ...access.endpoint('coordinator', natsUrl), servers: natsUrls }, opts.readyTimeoutMs ?? 30_000);
  const processes = new Map<string, ChildProcess>();
  const configs = new Map<string, string>();
  for (const s of specs) {
    const file = join(dir, 'config', `${s.name}.json`);
    const own = serversOf(s.name);
    writeFileSync(file, JSON.stringify(s.config({ dir, natsUrl: own[0]!, natsServers: own, credentialsFile: credentials[s.name]! }), null, 2) + '\n', { mode: 0o600 });
    configs.set(s.name, file);
  }

  const entries = new Map<string, string[]>();
  for (const s of specs) entries.set(s.name, entryFor(s.command, opts.cliPath));
  const supervisor = new ServiceSupervisor(dir, (name) => launch(name));
  const launch = (name: string): ChildProcess => {
    const log = openSync(join(dir, 'logs', `${name}.log`), 'a', 0o600);
    const args = [...entries.get(name)!, '--config', configs.get(name)!];
    const env = { ...process.env, ...access.env(name) };
    // A party runs in its organisation's network namespace when there are some (`ip netns exec` execs node: same pid).
    const ns = /^party-\d+$/.test(name) ? opts.organisations?.[homeServer(name, natsUrls.length)]?.netns : undefined;
    const child = ns ? spawn(findIp(), ['netns', 'exec', ns, process.execPath, ...args], { stdio: ['ignore', log, log], env }) : spawn(process.execPath, args, { stdio: ['ignore', log, log], env });
    closeSync(log);
    processes.set(name, child);
    supervisor.watch(name, child);
    return child;
  };
  const waitExit = (child: ChildProcess, graceMs: number): Promise<void> =>
    new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(t);
        res();
      });
    });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    supervisor.stop();
    await Promise.all(
      [...processes.values()].map((c) => {
        const done = waitExit(c, 5000);
        c.kill('SIGTERM');
        return done;
      }),
    );
    await Promise.all(servers.map((x) => x.stop()));
  };

  // In-process users (tools, tests) connect to every server, in the order of the service of that name if there is one.
  const endpointOf = (user: string): NatsEndpoint => ({ ...access.endpoint(user, natsUrl), servers: serversOf(user) });
  const clientCredentials = access.credentials('client');
  const gatewayCredentials = access.credentials('gateway');
  const gatewaySigner = { id: 'gateway', secretKey: readIdentityFile(join(dir, 'keys', 'gateway.identity.json')).signing.secretKey };
  const cluster: LocalCluster = {
    dir,
    natsUrl,
    nats,
    natsServers: servers,
    natsUrls,
    clusterFile: join(dir, 'cluster.json'),
    keys,
    clientCredentials,
    gatewayCredentials,
    gatewaySigner,
    processes,
    endpoint: (user) => endpointOf(user),
    connect: (user, name) => connectService(endpointOf(user), name ?? user),
    async kill(name, signal = 'SIGKILL') {
      const c = processes.get(name);
      if (!c) throw new LocalClusterError(`no service ${name}`);
      const done = waitExit(c, 5000);
      c.kill(signal);
      await done;
    },
    async restart(name) {
      const c = processes.get(name);
      if (c) supervisor.expectExit(c);
      if (c && c.exitCode === null && c.signalCode === null) await cluster.kill(name, 'SIGTERM');
      launch(name);
    },
    supervise: (onEvent) => supervisor.arm(onEvent),
    stop,
  };

  try {
    for (const s of specs) launch(s.name);
    const nc = await connect(connectionOptions(endpointOf('client'), 'mpc-up-probe'));
    try {
      const end = Date.now() + (opts.readyTimeoutMs ?? 30_000);
      let last = 'no answer from the coordinator';
      for (;;) {
        for (const [name, c] of processes) {
          if (c.exitCode !== null) throw new LocalClusterError(`${name} exited with code ${c.exitCode} while starting; see ${join(dir, 'logs', `${name}.log`)}`);
        }
        try {
          const r = await callCoordinator(nc, 'health.ready', {}, 1000);
          if (r.ready) break;
          last = r.reasons.join('; ');
        } catch (e) {
          last = e instanceof Error ? e.message : String(e);
        }
        if (Date.now() > end) throw new LocalClusterError(`cluster not ready within ${opts.readyTimeoutMs ?? 30_000} ms: ${last}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await nc.close();
    }
  } catch (e) {
    await stop();
    throw e;
  }

  const file: ClusterFile = {
    ...Object.assign({}, ...specs.map((s) => s.clusterFileFields ?? {})),
    natsUrl,
    ...(topology === 'cluster' ? { natsServers: natsUrls, natsHome: Object.fromEntries(specs.map((x) => [x.name, serversOf(x.name)[0]!])) } : {}),
    credentials,
    natsTls: { caFile: access.tls.caFile, clients: Object.fromEntries(Object.keys(credentials).map((u) => [u, access.tls.client(u)])) },
    publicKeys: keys,
    parties: [...PARTY_IDS],
    startedAt: new Date().toISOString(),
  };
  writeFileSync(cluster.clusterFile, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  // The keys clients pin, to be handed out of band (docs/deployment.md "Trust bundle").
  const bundle = makeTrustBundle({
    deployment: `local:${dir}`,
    parties: PARTY_IDS.map((id) => ({ id, ...keys[id]! })),
    coordinator: { id: 'coordinator', signingPublicKey: keys.coordinator!.signingPublicKey },
    heWorkers: heIds.map((id) => ({ id, signingPublicKey: keys[id]!.signingPublicKey })),
  });
  writeFileSync(join(dir, TRUST_BUNDLE_FILE), JSON.stringify(bundle, null, 2) + '\n');
  // The auditors' witness policy: the log key and the three parties as witnesses, two must cosign.
  const hexKey = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
  const policy = formatWitnessPolicy(
    { witnesses: PARTY_IDS.map((id) => ({ name: id, publicKey: hexKey(keys[id]!.signingPublicKey) })), quorum: 2 },
    encodeVerifierKey({ name: 'coordinator', publicKey: hexKey(keys.coordinator!.signingPublicKey) }),
  );
  writeFileSync(join(dir, WITNESS_POLICY_FILE), policy);
  return cluster;
}
