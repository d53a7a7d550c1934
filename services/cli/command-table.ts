/**
 * @module services/cli/command-table
 * The table of `mpc` subcommands. A command module exports `run(args): Promise<number>`
 * returning the exit code.
 */

/** What a command module exports. */
export interface CommandModule {
  run(args: string[]): Promise<number>;
}

/** One row of the table. */
export interface CommandEntry {
  readonly summary: string;
  load(): Promise<CommandModule>;
}

/** Every subcommand, by name (two-word commands keyed with a space). */
export const commands: Record<string, CommandEntry> = {
  bench: { summary: 'run a benchmark suite (ring, rss, inference, he, audit, analytics); --json for JSON lines', load: () => import('./commands/bench.js') },
  'audit export': { summary: 'export the audit log (JSON Lines) and the latest checkpoint to a folder', load: () => import('./commands/audit-export.js') },
  'audit verify': { summary: 'verify an exported audit log offline (root, signature, consistency)', load: () => import('./commands/audit-verify.js') },
};
