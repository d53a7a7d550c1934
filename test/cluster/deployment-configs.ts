/**
 * The configs docs/deployment.md shows for three organisations, taken from a cluster that
 * `mpc up --topology cluster` started: each generated file with its loopback ports, temporary
 * paths, keys and route password replaced by the hosts and placeholders of the docs. The test
 * of the three-server cluster compares every block of docs/deployment.md marked
 * `<!-- tested-config: <file> exact|lines -->` with the file so normalised (`exact`: the whole
 * file; `lines`: every line of the block occurs in it), so a config in the docs is one a test
 * ran.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The organisations of the docs, by server index. */
export const ORGS = ['org-a', 'org-b', 'org-c'] as const;

/** Client and route ports of each server of a generated cluster, read from its configs. */
function ports(dir: string): { client: number[]; route: number[] } {
  const client: number[] = [];
  const route: number[] = [];
  for (let i = 0; i < 3; i++) {
    const conf = readFileSync(join(dir, 'nats', `org-${i}`, 'nats-server.conf'), 'utf8');
    client.push(Number(/^port: (\d+)$/m.exec(conf)![1]));
    route.push(Number(/listen: "[0-9.]+:(\d+)"/.exec(conf)![1]));
  }
  return { client, route };
}

/** `file` (relative to the cluster folder `dir`) as the docs show it. */
export function normalisedConfig(dir: string, file: string, dropUsers: readonly string[] = []): string {
  const p = ports(dir);
  let text = readFileSync(join(dir, file), 'utf8');
  if (file.endsWith('.json')) {
    const j = JSON.parse(text) as Record<string, unknown>;
    delete j.jobTimeoutMs; // the test's short deadline, not a deployment setting
    if (typeof j.port === 'number') j.port = 8080; // the gateway's HTTP port (a free one in tests)
    text = JSON.stringify(j, null, 2) + '\n';
  }
  text = text.split(dir + '/').join('/srv/mpc/');
  text = text.replace(/nats-route:\/\/route:[0-9a-f]{64}@[0-9.]+:(\d+)/g, (_m, port: string) => `nats-route://route:<route password>@nats.${ORGS[p.route.indexOf(Number(port))]}.example:6222`);
  text = text.replace(/password: "[0-9a-f]{64}"/g, 'password: "<route password>"');
  text = text.replace(/tls:\/\/[0-9.]+:(\d+)/g, (_m, port: string) => `tls://nats.${ORGS[p.client.indexOf(Number(port))]}.example:4222`);
  text = text.replace(/listen: "[0-9.]+:\d+"/g, 'listen: "0.0.0.0:6222"');
  text = text.replace(/^host: [0-9.]+$/m, 'host: 0.0.0.0');
  text = text.replace(/^port: \d+$/m, 'port: 4222');
  // The allow lists are nats-permissions.ts's (the docs' permissions table), not repeated per file.
  text = text.replace(/\{ nkey: "U[A-Z2-7]{55}", permissions: .*\}( \},?)$/gm, (_m, end: string) => `{ nkey: "U<public nkey of the user>", permissions: <allow lists of the user> }${end.endsWith(',') ? ',' : ''}`);
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const user = /^\s+# (\S+)$/.exec(lines[i]!)?.[1];
    if (user && dropUsers.includes(user)) {
      i++; // and its user line
      continue;
    }
    out.push(lines[i]!);
  }
  // A dropped last user leaves a trailing comma on the one before.
  return out.join('\n').replace(/\},\n( *)\]/g, '}\n$1]');
}

/** The blocks of `markdown` marked as tested configs. */
export function testedConfigBlocks(markdown: string): { file: string; mode: 'exact' | 'lines'; text: string }[] {
  const out: { file: string; mode: 'exact' | 'lines'; text: string }[] = [];
  const re = /<!-- tested-config: (\S+) (exact|lines) -->\n```[a-z]*\n([\s\S]*?)```/g;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) out.push({ file: m[1]!, mode: m[2] as 'exact' | 'lines', text: m[3]! });
  return out;
}
