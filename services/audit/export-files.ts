/**
 * @module services/audit/export-files
 * The layout of an audit export directory, written by `mpc audit export` and read by
 * `mpc audit verify` and the SDK:
 *
 * - `entries.jsonl`: every entry, one per line, the exact canonical bytes that were hashed.
 * - `checkpoint`: the latest signed checkpoint (C2SP signed note).
 * - `checkpoints.jsonl`: every checkpoint the log signed, oldest first, one JSON string per line
 *   (a note has newlines, so each is JSON-quoted); lets the verifier narrow a tampered entry
 *   down to the range between two checkpoints and spot forks among them.
 * - `verifier-key`: the coordinator's verifier key (`<origin>+<key id>+<base64 key>`), for
 *   convenience only: an auditor should pass a key obtained independently with `--key`.
 * - `entries.csv`: the same entries for spreadsheets (not used for verification).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeVerifierKey } from '../../crypto-core/checkpoint/index.js';
import type { AuditLog } from './audit-log.js';
import { AuditStorageError } from './errors.js';

/** File names inside an export directory. */
export const EXPORT_FILES = {
  entries: 'entries.jsonl',
  checkpoint: 'checkpoint',
  checkpoints: 'checkpoints.jsonl',
  verifierKey: 'verifier-key',
  csv: 'entries.csv',
} as const;

/** The contents of an export directory. */
export interface AuditExport {
  entries: Uint8Array;
  checkpoint: string;
  checkpoints: string[];
  verifierKey?: string;
}

/**
 * Writes the log's export into `dir` (created if missing). Needs at least one signed checkpoint
 * (the latest is what the auditor verifies against).
 * @returns the number of entries written and the size of the latest checkpoint.
 * @throws AuditStorageError when the log has no checkpoint yet.
 */
export async function writeAuditExport(log: AuditLog, dir: string): Promise<{ entries: number; checkpointSize: number; files: string[] }> {
  const latest = await log.latestCheckpoint();
  if (latest === null) throw new AuditStorageError('export: the log has no signed checkpoint yet (the coordinator signs one after appends)');
  const history = await log.checkpoints();
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeFileSync(join(dir, name), data);
    files.push(name);
  };
  put(EXPORT_FILES.entries, log.exportJsonl());
  put(EXPORT_FILES.checkpoint, latest);
  put(EXPORT_FILES.checkpoints, history.map((n) => JSON.stringify(n) + '\n').join(''));
  const v = log.verifier;
  if (v) put(EXPORT_FILES.verifierKey, encodeVerifierKey(v) + '\n');
  put(EXPORT_FILES.csv, log.exportCsv());
  const size = Number(latest.split('\n')[1]);
  return { entries: log.size, checkpointSize: size, files };
}

/**
 * Reads an export directory.
 * @throws AuditStorageError naming the missing or unreadable file.
 */
export function readAuditExport(dir: string): AuditExport {
  const read = (name: string): Buffer => {
    try {
      return readFileSync(join(dir, name));
    } catch (e) {
      throw new AuditStorageError(`${join(dir, name)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing from the export' : (e as Error).message}`, { cause: e });
    }
  };
  const entries = new Uint8Array(read(EXPORT_FILES.entries));
  const checkpoint = read(EXPORT_FILES.checkpoint).toString('utf8');
  let checkpoints: string[] = [];
  if (existsSync(join(dir, EXPORT_FILES.checkpoints))) {
    const lines = read(EXPORT_FILES.checkpoints).toString('utf8').split('\n').filter((l) => l.length > 0);
    checkpoints = lines.map((l, i) => {
      try {
        const v = JSON.parse(l) as unknown;
        if (typeof v !== 'string') throw new Error('not a JSON string');
        return v;
      } catch (e) {
        throw new AuditStorageError(`${EXPORT_FILES.checkpoints} line ${i + 1}: ${(e as Error).message}`, { cause: e });
      }
    });
  }
  const vk = existsSync(join(dir, EXPORT_FILES.verifierKey)) ? read(EXPORT_FILES.verifierKey).toString('utf8').trim() : undefined;
  return { entries, checkpoint, checkpoints, ...(vk ? { verifierKey: vk } : {}) };
}
