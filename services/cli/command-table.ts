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
  up: { summary: 'start a local cluster (nats-server, parties, coordinator, gateway) until Ctrl-C', load: () => import('./commands/up.js') },
  demo: { summary: 'run the three user stories and the governance story on local clusters it starts and stops (the main job)', load: () => import('./commands/demo.js') },
  party: { summary: 'run one compute party (--config <file>)', load: () => import('./commands/party.js') },
  coordinator: { summary: 'run the coordinator (--config <file>)', load: () => import('./commands/coordinator-process.js') },
  'he-worker': { summary: 'run one HE worker service (--config <file>)', load: () => import('./commands/he-worker.js') },
  gateway: { summary: 'run the HTTP gateway (--config <file>)', load: () => import('./commands/gateway.js') },
  infer: { summary: 'run an inference: --model <id|name> --input <file.json> --mode mpc|he', load: () => import('./commands/infer.js') },
  'models publish': { summary: 'publish an ONNX model: <file.onnx> --mode mpc|he', load: () => import('./commands/models-publish.js') },
  'models activate': { summary: 'make a published version the active one: <name> <version>', load: () => import('./commands/models-activate.js') },
  'models rollback': { summary: 'return a model name to the version active before: <name>', load: () => import('./commands/models-rollback.js') },
  'datasets upload': { summary: 'upload a data set (CSV or JSON rows) as secret shares', load: () => import('./commands/datasets-upload.js') },
  datasets: { summary: 'list the data sets you may query, or erase one: list | delete <id>', load: () => import('./commands/datasets.js') },
  query: { summary: 'run an analytics query (JSON) over data sets', load: () => import('./commands/query.js') },
  bench: { summary: 'run a benchmark suite (ring, rss, inference, he, audit, analytics, reshare, console, governance, throughput); --json for JSON lines', load: () => import('./commands/bench.js') },
  'audit export': { summary: 'export the audit log (JSON Lines) and the latest checkpoint to a folder', load: () => import('./commands/audit-export.js') },
  parties: { summary: 'governance of the parties: reputation | sign-reinstatement | reinstate | sign-promotion | promote | reshare | resharing', load: () => import('./commands/parties.js') },
  storage: { summary: "reconcile the parties' stores with the catalogues (admin): reconcile [--erase]", load: () => import('./commands/storage.js') },
  trust: { summary: 'rotate the trust bundle clients pin: fingerprint | next | sign-rotation | rotate', load: () => import('./commands/trust.js') },
  'audit reputation': { summary: "every party's reputation recomputed from an audit export (--json: the coordinator's bytes)", load: () => import('./commands/audit-reputation.js') },
  credits: { summary: "every tenant's usage and balance recomputed from an audit export: --export <dir> [--budget <tenant>=<credits>]", load: () => import('./commands/credits.js') },
  'audit verify': { summary: 'verify an exported audit log offline (root, signature, consistency)', load: () => import('./commands/audit-verify.js') },
};
