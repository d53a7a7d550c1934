/**
 * @module services/coordinator/coordinator-config
 * The config file of `mpc coordinator --config <file>` (JSON, paths relative to the file):
 *
 * ```json
 * { "id": "coordinator",
 *   "nats": { "servers": ["nats://127.0.0.1:4222"], "credentialsFile": "creds/coordinator.json" },
 *   "identityFile": "keys/coordinator.identity.json",
 *   "services": [ { "id": "party-0", "kind": "party", "index": 0, "publicKeyFile": "keys/party-0.public.json" } ],
 *   "gateways": [ { "id": "gateway", "publicKeyFile": "keys/gateway.public.json" } ],
 *   "audit": "jetstream", "jobTimeoutMs": 60000 }
 * ```
 *
 * `gateways` lists the keys whose envelopes may assert principals (coordinator/principal-gate);
 * without it, requests from the broker are answered only for readiness and the registry.
 *
 * `stateDir` (default `../state/<id>` from the config file's folder, the `mpc up` layout) holds
 * the audit outbox (`audit-outbox.jsonl`); `replicas` (default 1) is the JetStream replication
 * of the audit log and of every state bucket (job book, models, data sets), the cluster size
 * when NATS is clustered.
 *
 * `services` is the registry's trust list: only these services, with these keys, are accepted
 * when they announce. `audit: "jetstream"` appends to the Merkle audit log in JetStream;
 * `"memory"` keeps events in memory (a cluster without JetStream).
 *
 * `governance` (docs/governance.md): `minScore`, `minGone` (reputation thresholds), `probes`
 * (probe incidents with a standby, default true), `activationQuorum` (organisations whose operators
 * must approve a model activation, default 0), `quorum`
 * (default 2) and `operators: [{ id, organisation, publicKey (Ed25519, 64 hex), runs: [service
 * id...] }]`, the keys that may sign reinstatements. Quarantines are enforced only when the
 * operators name at least `quorum` organisations.
 *
 * `credits` (docs/governance.md, "Credits"): `budgets: { <tenant>: <credits> }`, and optionally
 * `msPerCredit` and `bytesPerCredit` (pricing). Budgets need `audit: "jetstream"`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { readIdentityFile, readPublicKeyFile } from '../../crypto-core/keys/key-file.js';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { readCredentialsFile } from '../transport/credentials-file.js';
import type { NatsEndpoint } from '../transport/nats-connection.js';
import type { TrustedService } from './service-registry.js';
import type { TrustedGateway } from './principal-gate.js';
import type { DispatchSettings } from './tokens.js';
import { checkThresholds } from '../audit/reputation.js';
import type { GovernanceSettings } from './governance/party-quarantine.js';
import type { CreditSettings } from './governance/tenant-budgets.js';
import { checkPricing } from '../audit/credits.js';

/** The JSON shape of a coordinator config file. */
export interface CoordinatorConfigFile {
  id: string;
  nats: { servers: string | string[]; credentialsFile?: string };
  identityFile: string;
  /** Trusted services; a party with `standby: true` stands by for slot `index` (no jobs until promoted, docs/governance.md). */
  services: { id: string; kind: TrustedService['kind']; index?: number; standby?: boolean; region?: string; publicKeyFile: string }[];
  gateways?: { id: string; publicKeyFile: string }[];
  audit?: 'jetstream' | 'memory';
  stateDir?: string;
  replicas?: number;
  jobTimeoutMs?: number;
  probeIntervalMs?: number;
  /** Reputation thresholds and the operator keys that may sign reinstatements (docs/governance.md). */
  governance?: { minScore?: number; minGone?: number; quorum?: number; probes?: boolean; activationQuorum?: number; operators?: { id: string; organisation: string; publicKey: string; runs?: string[] }[] };
  /** Tenants' credit budgets and pricing (docs/governance.md, "Credits"). */
  credits?: { budgets?: Record<string, number>; msPerCredit?: number; bytesPerCredit?: number };
}

/** A loaded coordinator config. */
export interface CoordinatorConfig {
  nats: NatsEndpoint;
  identity: ServiceIdentity;
  trusted: TrustedService[];
  /** Gateway keys trusted to assert principals. */
  gateways: TrustedGateway[];
  audit: 'jetstream' | 'memory';
  /** Absolute folder of the coordinator's local state (the audit outbox). */
  stateDir: string;
  /** JetStream replicas of the audit log and the state buckets. */
  replicas: number;
  settings: Partial<DispatchSettings>;
  governance: GovernanceSettings;
  credits: CreditSettings;
}

/** Reads `path` and the key files it names. @throws InvalidArgumentError / KeyFileError naming the field or file. */
export function loadCoordinatorConfig(path: string): CoordinatorConfig {
  const base = dirname(resolve(path));
  const at = (p: string): string => resolve(base, p);
  let c: CoordinatorConfigFile;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as CoordinatorConfigFile;
  } catch (cause) {
    throw new InvalidArgumentError(`config: cannot read ${path} as JSON`, { cause });
  }
  if (typeof c.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(c.id)) throw new InvalidArgumentError(`config.id: expected 1..64 characters of [A-Za-z0-9_-]`);
  if (!c.nats || (typeof c.nats.servers !== 'string' && !Array.isArray(c.nats.servers))) throw new InvalidArgumentError('config.nats.servers: expected a URL or a list of URLs');
  if (!Array.isArray(c.services)) throw new InvalidArgumentError('config.services: expected a list of trusted services');
  if (c.audit !== undefined && c.audit !== 'jetstream' && c.audit !== 'memory') throw new InvalidArgumentError(`config.audit: expected "jetstream" or "memory", got ${JSON.stringify(c.audit)}`);
  if (c.stateDir !== undefined && (typeof c.stateDir !== 'string' || c.stateDir.length === 0)) throw new InvalidArgumentError('config.stateDir: expected a folder path');
  if (c.replicas !== undefined && (!Number.isInteger(c.replicas) || c.replicas < 1 || c.replicas > 5)) throw new InvalidArgumentError(`config.replicas: expected an integer 1..5, got ${JSON.stringify(c.replicas)}`);
  const creds = c.nats.credentialsFile ? readCredentialsFile(at(c.nats.credentialsFile)) : undefined;
  const trusted = c.services.map((s, i) => {
    if (typeof s.id !== 'string' || typeof s.publicKeyFile !== 'string') throw new InvalidArgumentError(`config.services[${i}]: expected { id, kind, publicKeyFile }`);
    if (s.standby !== undefined && (s.standby !== true || s.kind !== 'party' || ![0, 1, 2].includes(s.index as number))) throw new InvalidArgumentError(`config.services[${i}].standby: expected true on a party with an index 0..2, got ${JSON.stringify(s.standby)} on ${JSON.stringify(s.kind)} index ${JSON.stringify(s.index)}`);
    if (s.region !== undefined && (typeof s.region !== 'string' || !/^.{1,64}$/.test(s.region))) throw new InvalidArgumentError(`config.services[${i}].region: expected 1..64 characters, got ${JSON.stringify(s.region)}`);
    return { id: s.id, kind: s.kind, ...(s.index !== undefined ? { index: s.index } : {}), ...(s.standby ? { standby: true } : {}), ...(s.region !== undefined ? { region: s.region } : {}), ...readPublicKeyFile(at(s.publicKeyFile)) };
  });
  if (c.gateways !== undefined && !Array.isArray(c.gateways)) throw new InvalidArgumentError('config.gateways: expected a list of { id, publicKeyFile }');
  const gateways = (c.gateways ?? []).map((g, i) => {
    if (typeof g?.id !== 'string' || typeof g.publicKeyFile !== 'string') throw new InvalidArgumentError(`config.gateways[${i}]: expected { id, publicKeyFile }`);
    return { id: g.id, signingPublicKey: readPublicKeyFile(at(g.publicKeyFile)).signingPublicKey };
  });
  const g = c.governance ?? {};
  if (g.operators !== undefined && !Array.isArray(g.operators)) throw new InvalidArgumentError('config.governance.operators: expected a list of { id, organisation, publicKey, runs }');
  const operators = (g.operators ?? []).map((o, i) => {
    if (typeof o?.id !== 'string' || typeof o.organisation !== 'string' || typeof o.publicKey !== 'string' || !/^[0-9a-f]{64}$/i.test(o.publicKey)) {
      throw new InvalidArgumentError(`config.governance.operators[${i}]: expected { id, organisation, publicKey (64 hex digits), runs }`);
    }
    return { id: o.id, organisation: o.organisation, publicKey: o.publicKey, runs: Array.isArray(o.runs) ? o.runs.filter((r) => typeof r === 'string') : [] };
  });
  if (g.probes !== undefined && typeof g.probes !== 'boolean') throw new InvalidArgumentError('config.governance.probes: expected true or false');
  const organisations = new Set(operators.map((o) => o.organisation)).size;
  if (g.activationQuorum !== undefined && !(Number.isSafeInteger(g.activationQuorum) && g.activationQuorum >= 0 && g.activationQuorum <= organisations)) {
    throw new InvalidArgumentError(`config.governance.activationQuorum: expected an integer from 0 to the ${organisations} organisations of governance.operators, got ${JSON.stringify(g.activationQuorum)}`);
  }
  const governance: GovernanceSettings = {
    operators,
    ...(g.quorum !== undefined ? { quorum: g.quorum } : {}),
    ...(g.probes !== undefined ? { probes: g.probes } : {}),
    ...(g.activationQuorum !== undefined ? { activationQuorum: g.activationQuorum } : {}),
    thresholds: (() => {
      try {
        return checkThresholds({ ...(g.minScore !== undefined ? { minScore: g.minScore } : {}), ...(g.minGone !== undefined ? { minGone: g.minGone } : {}) });
      } catch (e) {
        throw new InvalidArgumentError(`config.governance.${(e as Error).message}`);
      }
    })(),
  };
  if (g.quorum !== undefined && (!Number.isSafeInteger(g.quorum) || g.quorum < 1)) throw new InvalidArgumentError(`config.governance.quorum: expected an integer >= 1, got ${JSON.stringify(g.quorum)}`);
  return {
    governance,
    credits: creditSettingsOf(c.credits),
    nats: { servers: c.nats.servers, ...(creds ? { user: creds.user, pass: creds.password } : {}) },
    identity: readIdentityFile(at(c.identityFile)),
    trusted,
    gateways,
    audit: c.audit ?? 'memory',
    stateDir: at(c.stateDir ?? join('..', 'state', c.id)),
    replicas: c.replicas ?? 1,
    settings: { id: c.id, ...(c.jobTimeoutMs ? { jobTimeoutMs: c.jobTimeoutMs } : {}), ...(c.probeIntervalMs ? { probeIntervalMs: c.probeIntervalMs } : {}) },
  };
}

/** The `credits` section, checked. @throws InvalidArgumentError naming the field. */
function creditSettingsOf(c: CoordinatorConfigFile['credits']): CreditSettings {
  if (c === undefined) return {};
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new InvalidArgumentError('config.credits: expected { budgets, msPerCredit, bytesPerCredit }');
  const budgets: Record<string, number> = {};
  for (const [t, b] of Object.entries(c.budgets ?? {})) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/.test(t)) throw new InvalidArgumentError(`config.credits.budgets: ${JSON.stringify(t)} is not a tenant id`);
    if (typeof b !== 'number' || !Number.isFinite(b) || b < 0) throw new InvalidArgumentError(`config.credits.budgets.${t}: expected a non-negative number of credits, got ${JSON.stringify(b)}`);
    budgets[t] = b;
  }
  try {
    const pricing = checkPricing({ ...(c.msPerCredit !== undefined ? { msPerCredit: c.msPerCredit } : {}), ...(c.bytesPerCredit !== undefined ? { bytesPerCredit: c.bytesPerCredit } : {}) });
    return { budgets, pricing };
  } catch (e) {
    throw new InvalidArgumentError(`config.credits.${(e as Error).message}`);
  }
}
