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
  bench: { summary: 'run a benchmark suite (ring, ...); --json for JSON lines', load: () => import('./commands/bench.js') },
};
