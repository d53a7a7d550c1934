/**
 * @module services/demo/story-audit
 * Story 3: a compliance officer exports the audit log through the API and verifies it offline
 * against the coordinator's public key obtained out of band: the root is recomputed from the
 * exported entries and the signed checkpoint is checked. Then one flipped byte in a copy of the
 * export shows that tampering is caught.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MpcClient } from '../sdk/mpc-client.js';
import { encodeAuditEntry } from '../wire/audit-entry.js';
import { EXPORT_FILES } from '../audit/export-files.js';
import { verifyExport } from '../audit/verify-export.js';
import { fromHex } from '../../crypto-core/encoding.js';

/** Runs the story; `coordinatorKeyHex` is the coordinator's Ed25519 public key, from its key file. */
export async function auditStory(auditor: MpcClient, coordinatorKeyHex: string, outDir: string, say: (line: string) => void): Promise<void> {
  const exp = await auditor.exportAudit();
  if (exp.checkpoint === null) throw new Error('the log has no signed checkpoint yet');
  const lines = exp.entries.map((e) => Buffer.from(encodeAuditEntry(e)).toString('utf8') + '\n').join('');
  const entries = new Uint8Array(Buffer.from(lines, 'utf8'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, EXPORT_FILES.entries), entries);
  writeFileSync(join(outDir, EXPORT_FILES.checkpoint), exp.checkpoint);
  const types = new Map<string, number>();
  for (const e of exp.entries) types.set(e.type, (types.get(e.type) ?? 0) + 1);
  say(`auditor exported ${exp.entries.length} entries and the signed checkpoint to ${outDir}`);
  say(`  events: ${[...types].map(([t, n]) => `${t} ${n}`).join(', ')}`);
  const key = fromHex(coordinatorKeyHex, 'coordinator key', 32);
  const verdict = verifyExport({ entries, checkpoint: exp.checkpoint, key });
  say(`  mpc audit verify ${outDir} --key <coordinator key>: ${verdict.summary}`);
  if (!verdict.ok) throw new Error(`the exported log does not verify: ${verdict.summary}`);
  const tampered = Uint8Array.from(entries);
  const at = lines.indexOf('"actor"') + 10;
  tampered[at] = tampered[at]! ^ 0x01;
  const bad = verifyExport({ entries: tampered, checkpoint: exp.checkpoint, key });
  say(`  the same export with one byte flipped: ${bad.summary}`);
  if (bad.ok) throw new Error('a tampered export verified: the check is broken');
}
