#!/usr/bin/env node
/**
 * @module services/cli/main
 * The `mpc` command. Each subcommand lives in its own module under `commands/` and is loaded
 * only when called, so `mpc --help` stays fast and a command's dependencies (node-seal, NATS)
 * load only where needed. Exit codes: 0 success, 1 failure of the operation, 2 usage error,
 * 78 unsuitable runtime.
 */
import 'reflect-metadata';
import { commands } from './command-table.js';
import { UsageError } from './usage-error.js';

const [major] = process.versions.node.split('.').map(Number);
if ((major ?? 0) < 22) {
  process.stderr.write(`mpc: Node.js ${process.versions.node} is too old; Node.js 22.12 or newer is required.\n`);
  process.exit(78);
}

function help(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(18)} ${c.summary}`);
  return `usage: mpc <command> [options]\n\ncommands:\n${rows.join('\n')}\n\nRun 'mpc <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  // Two-word commands (`models publish`, `audit verify`) are keyed with a space.
  const two = rest[0] !== undefined ? `${name} ${rest[0]}` : '';
  const key = two in commands ? two : name;
  const cmd = commands[key];
  if (!cmd) {
    process.stderr.write(`mpc: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const args = key === two ? rest.slice(1) : rest;
  try {
    const mod = await cmd.load();
    return await mod.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`mpc ${key}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`mpc ${key}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.MPC_DEBUG) console.error(err);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
