/**
 * One network namespace per organisation for the three-server test: namespaces
 * `mpc-<tag>-org-{a,b,c}`, each with a veth pair into a bridge in this process's namespace and an
 * address 10.X.Y.{1,2,3}/24 (the bridge has .254, so this process reaches all three). Traffic
 * between organisations crosses the bridge as it would cross a network; nothing else of the
 * machine is touched (no routes, no forwarding, no firewall rules). Needs root and iproute2;
 * when either is missing the test runs on loopback and says so.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { findIp } from '../../services/cluster/nats-server-process.js';
import type { OrganisationNetwork } from '../../services/cluster/topology.js';

/** Namespaces made for a test, and how to remove them. */
export interface OrgNamespaces {
  orgs: OrganisationNetwork[];
  remove(): void;
}

/** Makes the three namespaces, or returns why it cannot. */
export function makeOrgNamespaces(): OrgNamespaces | { reason: string } {
  let ip: string;
  try {
    ip = findIp();
  } catch (e) {
    return { reason: (e as Error).message };
  }
  if (process.getuid?.() !== 0) return { reason: 'not root' };
  const tag = randomBytes(2).toString('hex');
  const net = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]!}`;
  const bridge = `mpcbr${tag}`;
  const names = ['a', 'b', 'c'].map((o) => `mpc-${tag}-org-${o}`);
  const run = (...args: string[]): void => void execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const remove = (): void => {
    for (const n of names) {
      try {
        run('netns', 'del', n);
      } catch {
        // not made, or gone
      }
    }
    try {
      run('link', 'del', bridge);
    } catch {
      // not made
    }
  };
  try {
    run('link', 'add', bridge, 'type', 'bridge');
    run('addr', 'add', `${net}.254/24`, 'dev', bridge);
    run('link', 'set', bridge, 'up');
    const orgs = names.map((ns, i): OrganisationNetwork => {
      const outside = `mv${tag}${i}o`;
      const inside = `mv${tag}${i}i`;
      run('netns', 'add', ns);
      run('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      run('link', 'set', inside, 'netns', ns);
      run('link', 'set', outside, 'master', bridge);
      run('link', 'set', outside, 'up');
      run('netns', 'exec', ns, ip, 'addr', 'add', `${net}.${i + 1}/24`, 'dev', inside);
      run('netns', 'exec', ns, ip, 'link', 'set', inside, 'up');
      run('netns', 'exec', ns, ip, 'link', 'set', 'lo', 'up');
      return { netns: ns, address: `${net}.${i + 1}` };
    });
    return { orgs, remove };
  } catch (e) {
    remove();
    return { reason: `ip: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message}` };
  }
}
