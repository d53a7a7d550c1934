/**
 * @module services/cli/command-args
 * The argument handling every `mpc <command> <subcommand>` shares: parse with node:util
 * parseArgs (a parse error is a usage error), print the help for no subcommand, `--help`,
 * `-h` or the `help` flag, and hand back the subcommand with its values and positionals.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The parsed `mpc <command> <sub> ...`; `undefined` when the help was printed.
 * @throws UsageError when the options do not parse.
 */
export function parseSubcommand<T extends Options>(args: string[], options: T, help: string, allowPositionals = true) {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals, options });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (sub === undefined || sub === '--help' || sub === '-h' || (parsed.values as { help?: unknown }).help) {
    process.stdout.write(help);
    return undefined;
  }
  return { sub, values: parsed.values, positionals: parsed.positionals };
}
