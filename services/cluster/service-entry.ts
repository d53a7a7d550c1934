#!/usr/bin/env node
/**
 * @module services/cluster/service-entry
 * Process entry of one cluster service: `node service-entry.js <party|coordinator> --config f`.
 * The local cluster spawns services through the `mpc` CLI when its command table has the
 * command, and through this entry otherwise, so the cluster does not depend on CLI wiring.
 */
import 'reflect-metadata';

const loaders: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  party: () => import('../cli/commands/party.js'),
  coordinator: () => import('../cli/commands/coordinator.js'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : loaders[name];
if (!load) {
  process.stderr.write(`service-entry: expected one of ${Object.keys(loaders).join(', ')}, got ${String(name)}\n`);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await (await load()).run(rest);
  } catch (e) {
    process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
