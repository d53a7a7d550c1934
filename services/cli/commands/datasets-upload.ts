/**
 * @module services/cli/commands/datasets-upload
 * `mpc datasets upload <rows.json|rows.csv> --name <name> --schema <schema.json>`: encodes the
 * rows against the schema, secret-shares them and seals each party's share to it (on this
 * machine), uploads, and prints the dataset id.
 *
 * Rows: a JSON array of objects, or CSV with a header row (comma-separated, no quoting; numeric
 * columns parsed as numbers, boolean columns from true/false/1/0, categorical as text).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, resolveClientConfig, runClientCommand } from '../client-command.js';
import { checkSchema, DEFAULT_POLICY, type DatasetSchema } from '../../../protocols/analytics/dataset-schema.js';
import type { Row } from '../../../protocols/analytics/encode-rows.js';
import type { Role } from '../../wire/api.js';
import { ROLES } from '../../gateway/api-key-store.js';

const HELP = `usage: mpc datasets upload <rows.json|rows.csv> --name <name> --schema <schema.json> [--min-cell <k>] [--roles <r,...>] [--security semi-honest|malicious] [options]
  --name <name>       dataset name ([A-Za-z0-9_-]); a name you already own is appended to
  --schema <file>     {"columns": [{"name","type":"numeric","min","max"} | {"name","type":"categorical","categories"} | {"name","type":"boolean"}]}
  --min-cell <k>      minimum released cell size (default: the service's, 10)
  --roles <r,...>     roles that may list and query it (default: analyst); with --roles, --min-cell defaults to 10
  --security <mode>   semi-honest or malicious (the parties verify the shares' consistency and the column
                      validity bits, so malicious queries may rely on them); default: the service's
  prints the dataset id; with --json the dataset record (with the "security" it was stored in)
${CLIENT_OPTIONS_HELP}
`;

/** Rows from CSV text, typed by the schema. */
export function parseCsvRows(text: string, schema: DatasetSchema): Row[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length < 2) throw new UsageError('CSV: expected a header row and at least one data row');
  const header = lines[0]!.split(',').map((h) => h.trim());
  const types = new Map(schema.columns.map((c) => [c.name, c.type]));
  for (const h of header) if (!types.has(h)) throw new UsageError(`CSV: column '${h}' is not in the schema`);
  return lines.slice(1).map((line, r) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== header.length) throw new UsageError(`CSV line ${r + 2}: expected ${header.length} cells, got ${cells.length}`);
    const row: Record<string, number | string | boolean> = {};
    header.forEach((h, j) => {
      const cell = cells[j]!;
      const t = types.get(h);
      if (t === 'numeric') {
        const x = Number(cell);
        if (cell === '' || !Number.isFinite(x)) throw new UsageError(`CSV line ${r + 2}, column ${h}: expected a number, got ${JSON.stringify(cell)}`);
        row[h] = x;
      } else if (t === 'boolean') {
        if (!['true', 'false', '1', '0'].includes(cell.toLowerCase())) throw new UsageError(`CSV line ${r + 2}, column ${h}: expected true/false/1/0, got ${JSON.stringify(cell)}`);
        row[h] = cell.toLowerCase() === 'true' || cell === '1';
      } else row[h] = cell;
    });
    return row;
  });
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${what}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Runs `mpc datasets upload`. */
export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...CLIENT_OPTIONS, name: { type: 'string' }, schema: { type: 'string' }, 'min-cell': { type: 'string' }, roles: { type: 'string' }, security: { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) throw new UsageError('expected exactly one <rows.json|rows.csv>');
  if (!v.name) throw new UsageError('--name <name> is required');
  if (v.security !== undefined && v.security !== 'semi-honest' && v.security !== 'malicious') throw new UsageError(`--security: expected semi-honest or malicious, got ${v.security}`);
  const security = v.security as 'semi-honest' | 'malicious' | undefined;
  if (!v.schema) throw new UsageError('--schema <schema.json> is required');
  let schema: DatasetSchema;
  try {
    schema = checkSchema(JSON.parse(await readText(v.schema, '--schema')));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--schema: ${(err as Error).message}`);
  }
  const minCell = v['min-cell'] === undefined ? undefined : Number(v['min-cell']);
  if (minCell !== undefined && (!Number.isInteger(minCell) || minCell < 1)) throw new UsageError(`--min-cell: expected a positive integer, got ${v['min-cell']}`);
  const roles = v.roles === undefined ? undefined : v.roles.split(',').map((r) => r.trim());
  if (roles !== undefined && (roles.length === 0 || roles.some((r) => !(ROLES as readonly string[]).includes(r)))) {
    throw new UsageError(`--roles: expected a comma-separated list of ${ROLES.join(', ')}, got ${JSON.stringify(v.roles)}`);
  }
  const text = await readText(file, 'rows');
  let rows: Row[];
  if (/\.csv$/i.test(file)) rows = parseCsvRows(text, schema);
  else {
    try {
      rows = JSON.parse(text) as Row[];
    } catch {
      throw new UsageError(`rows: ${file} is not valid JSON (use .csv for CSV)`);
    }
    if (!Array.isArray(rows)) throw new UsageError('rows: expected a JSON array of row objects');
  }
  return runClientCommand('datasets upload', async () => {
    const client = new MpcClient(resolveClientConfig(v));
    const policy = minCell === undefined && roles === undefined ? undefined : { roles: (roles ?? DEFAULT_POLICY.roles) as Role[], minCellSize: minCell ?? DEFAULT_POLICY.minCellSize };
    const ds = await client.uploadDataset(v.name!, schema, rows, { ...(policy === undefined ? {} : { policy }), ...(security === undefined ? {} : { security }) });
    process.stdout.write(v.json ? JSON.stringify(ds) + '\n' : `${ds.id}\n`);
  });
}
