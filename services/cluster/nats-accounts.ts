/**
 * @module services/cluster/nats-accounts
 * The NATS accounts of the three-organisation topology (`mpc up --topology cluster`): one
 * account per organisation, each listing only its own users (nkeys, with the allow lists of
 * nats-permissions), and between accounts exactly the subjects that cross organisations,
 * as exports restricted to the one account that may import them.
 *
 * | account | users | JetStream |
 * |---|---|---|
 * | `COORDINATOR` (the coordinator's operator) | coordinator, operator tools (extra users) | yes: the audit stream and the KV buckets, R3 |
 * | `ORG_<i>` (organisation i) | party-i, HE workers whose home server is i (he-worker-n: n mod 3) | no |
 * | `GATEWAY` (whoever runs the HTTP gateway) | gateway | no |
 * | `CLIENTS` (readiness probes, scripts) | client | no |
 *
 * What crosses (services/wire/api.ts `subjects`):
 * - `ORG_i` exports to `COORDINATOR` the services `mpc.svc.<id>.job|health|witness|inventory`
 *   of its party (job dispatch, health, witness requests, storage inventory) and
 *   `mpc.svc.<id>.job|health` of its HE workers, and the streams `mpc.coord.report.>` (job
 *   reports) and `mpc.coord.announce`;
 * - `ORG_i` exports to `ORG_j` (j ≠ i) the stream `mpc.p2p.*.<i>.<j>`: the frames party i sends
 *   to party j, and nothing of the third party's pair;
 * - `COORDINATOR` exports to `GATEWAY` the service `mpc.coord.api.>` and the stream
 *   `mpc.coord.events.>`, and to `CLIENTS` only `mpc.coord.api.health.ready` and
 *   `mpc.coord.api.registry.list`.
 *
 * Service exports answer with `response_type: stream`: API replies, dispatch acks of chunked
 * orders and HE results may be several messages. The JetStream API (`$JS.API.>`), `$KV.>` and
 * `mpc.audit.>` exist only in `COORDINATOR`: no other account can even name them.
 *
 * An account's administrator can give its own users any rights within the account, so the
 * imports, not the per-user allow lists, bound what an organisation as a whole can do; the
 * allow lists stay as tight as before inside each account.
 */
import { subjects } from '../wire/api.js';
import { inventorySubject } from '../wire/storage-inventory.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { permissionsText, type NatsUser } from './nats-permissions.js';

/** The coordinator operator's account: the one with JetStream. */
export const COORDINATOR_ACCOUNT = 'COORDINATOR';
/** The gateway's account. */
export const GATEWAY_ACCOUNT = 'GATEWAY';
/** The account of the `client` user (readiness probes). */
export const CLIENTS_ACCOUNT = 'CLIENTS';

/** The account of organisation `index` (the one that runs party `index` and its server). */
export function organisationAccount(index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new InvalidArgumentError(`index: expected a non-negative integer, got ${index}`);
  return `ORG_${index}`;
}

/** Organisations of the topology. */
const ORGANISATIONS = 3;

/**
 * The account service `name` belongs to: party-i to organisation i, he-worker-n to
 * organisation n mod 3 (the one whose server it connects to first, topology `homeServer`;
 * so the two workers of a dual execution belong to two organisations), the gateway and the
 * client to their own accounts, the coordinator and anything else to the coordinator's.
 */
export function accountOf(name: string): string {
  const party = /^party-(\d+)$/.exec(name);
  if (party) return organisationAccount(Number(party[1]) % ORGANISATIONS);
  const he = /^he-worker-(\d+)$/.exec(name);
  if (he) return organisationAccount(Number(he[1]) % ORGANISATIONS);
  if (name === 'gateway') return GATEWAY_ACCOUNT;
  if (name === 'client') return CLIENTS_ACCOUNT;
  return COORDINATOR_ACCOUNT;
}

/** One export: a stream (the exporter publishes) or a service (the exporter answers), for `to` only. */
export type AccountExport = { kind: 'stream' | 'service'; subject: string; to: string };

/** One account of the server configs. */
export interface NatsAccount {
  name: string;
  jetstream: boolean;
  users: NatsUser[];
  exports: AccountExport[];
  /** The imports follow from the other accounts' exports to this one. */
}

/** A NATS user and the account it is listed in. */
export type AccountUser = NatsUser & { account: string };

/**
 * The accounts of `users`: the exports each organisation needs for the services it has (a
 * party's and HE workers' subjects are exported only when that service is one of `users`).
 */
export function clusterAccounts(users: readonly AccountUser[]): NatsAccount[] {
  const names = [COORDINATOR_ACCOUNT, ...Array.from({ length: ORGANISATIONS }, (_, i) => organisationAccount(i)), GATEWAY_ACCOUNT, CLIENTS_ACCOUNT];
  for (const u of users) if (!names.includes(u.account)) throw new InvalidArgumentError(`users: ${u.user}: unknown account ${JSON.stringify(u.account)} (expected one of ${names.join(', ')})`);
  const exports = new Map<string, AccountExport[]>(names.map((n) => [n, []]));
  const add = (from: string, e: AccountExport): void => void exports.get(from)!.push(e);
  const has = (user: string): boolean => users.some((u) => u.user === user);
  for (let i = 0; i < ORGANISATIONS; i++) {
    const org = organisationAccount(i);
    const id = `party-${i}`;
    if (has(id)) {
      for (const s of [subjects.jobDispatch(id), subjects.health(id), subjects.witness(id), inventorySubject(id)]) add(org, { kind: 'service', subject: s, to: COORDINATOR_ACCOUNT });
      for (let j = 0; j < ORGANISATIONS; j++) if (j !== i) add(org, { kind: 'stream', subject: `mpc.p2p.*.${i}.${j}`, to: organisationAccount(j) });
    }
    const he = users.filter((u) => /^he-worker-\d+$/.test(u.user) && u.account === org).map((u) => u.user);
    for (const w of he) for (const s of [subjects.jobDispatch(w), subjects.health(w)]) add(org, { kind: 'service', subject: s, to: COORDINATOR_ACCOUNT });
    if (has(id) || he.length > 0) {
      add(org, { kind: 'stream', subject: subjects.announce, to: COORDINATOR_ACCOUNT });
      if (has(id)) add(org, { kind: 'stream', subject: 'mpc.coord.report.>', to: COORDINATOR_ACCOUNT });
    }
  }
  add(COORDINATOR_ACCOUNT, { kind: 'service', subject: 'mpc.coord.api.>', to: GATEWAY_ACCOUNT });
  add(COORDINATOR_ACCOUNT, { kind: 'stream', subject: 'mpc.coord.events.>', to: GATEWAY_ACCOUNT });
  for (const m of ['health.ready', 'registry.list'] as const) add(COORDINATOR_ACCOUNT, { kind: 'service', subject: subjects.api(m), to: CLIENTS_ACCOUNT });
  return names.map((name) => ({ name, jetstream: name === COORDINATOR_ACCOUNT, users: users.filter((u) => u.account === name), exports: exports.get(name)! }));
}

/**
 * One account's block (`NAME: { users, exports, imports }`) as the text of its own file,
 * `nats/accounts/<NAME>.conf`: its users, its exports (each restricted to the importing
 * account) and its imports, which follow from the other accounts' exports to it.
 */
export function accountFileText(account: NatsAccount, all: readonly NatsAccount[]): string {
  const q = (s: string): string => JSON.stringify(s);
  const a = account;
  if (!/^[A-Z][A-Z0-9_]*$/.test(a.name)) throw new InvalidArgumentError(`accounts: name ${JSON.stringify(a.name)}: expected [A-Z][A-Z0-9_]*`);
  const out: string[] = [`${a.name}: {`];
  if (a.jetstream) out.push('  jetstream: enabled');
  const users = a.users.map((u) => {
    if (u.nkey === undefined) throw new InvalidArgumentError(`accounts: ${a.name}: user ${u.user} has no nkey (accounts list nkey users only)`);
    if (!/^U[A-Z2-7]{55}$/.test(u.nkey)) throw new InvalidArgumentError(`accounts: ${a.name}: ${u.user}: nkey is not a public user nkey (U...)`);
    return `    # ${u.user.replace(/[^A-Za-z0-9_-]/g, '?')}\n    { nkey: ${q(u.nkey)}, ${permissionsText(u.permissions)} }`;
  });
  out.push(`  users: [${users.length ? `\n${users.join(',\n')}\n  ` : ''}]`);
  const exp = a.exports.map((e) => `    { ${e.kind}: ${q(e.subject)}, accounts: [${e.to}]${e.kind === 'service' ? ', response_type: stream' : ''} }`);
  out.push(`  exports: [${exp.length ? `\n${exp.join(',\n')}\n  ` : ''}]`);
  const imp = all.flatMap((from) => from.exports.filter((e) => e.to === a.name).map((e) => `    { ${e.kind}: { account: ${from.name}, subject: ${q(e.subject)} } }`));
  out.push(`  imports: [${imp.length ? `\n${imp.join(',\n')}\n  ` : ''}]`);
  out.push('}');
  return out.join('\n') + '\n';
}

/** The file of each account (by account name): what {@link accountsInclude} includes. */
export function accountFiles(accounts: readonly NatsAccount[]): Record<string, string> {
  return Object.fromEntries(accounts.map((a) => [a.name, accountFileText(a, accounts)]));
}

/**
 * The `accounts` block of a server config: one `include` per account file, `dir` relative to
 * the server config's folder (nats-server resolves includes from there).
 */
export function accountsInclude(names: readonly string[], dir: string): string {
  for (const n of names) if (!/^[A-Z][A-Z0-9_]*$/.test(n)) throw new InvalidArgumentError(`accounts: name ${JSON.stringify(n)}: expected [A-Z][A-Z0-9_]*`);
  return `accounts {\n${names.map((n) => `  include ${JSON.stringify(`${dir}/${n}.conf`)}`).join('\n')}\n}`;
}
