/**
 * @module services/wire/plan-digest
 * A SHA-256 fingerprint of a whole {@link HePlan}, weights included. Two HE workers that
 * planned the same model get the same digest (planning is deterministic), so the coordinator
 * can check, without holding the weights' plaintexts anywhere new, that both halves of a dual
 * execution evaluate the model it published; the digest also goes into the audit log.
 */
import { createHash } from 'node:crypto';
import type { HePlan } from '../../protocols/he/he-plan.js';

/** SHA-256 (hex) of the plan: JSON of every field, Float64Arrays as their exact IEEE-754 bytes. */
export function planDigest(plan: HePlan): string {
  const h = createHash('sha256');
  const write = (v: unknown): void => {
    if (v instanceof Float64Array) {
      h.update(`f64[${v.length}]:`);
      h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    } else if (Array.isArray(v)) {
      h.update(`[${v.length}:`);
      for (const x of v) write(x);
      h.update(']');
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v).sort();
      h.update(`{${keys.length}:`);
      for (const k of keys) {
        h.update(JSON.stringify(k));
        write((v as Record<string, unknown>)[k]);
      }
      h.update('}');
    } else h.update(JSON.stringify(v) ?? 'undefined');
  };
  write(plan);
  return h.digest('hex');
}
