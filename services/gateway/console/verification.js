/**
 * @module console/verification
 * What the console checks itself, in the browser, rather than being told: the latest signed tree
 * head verifies under the pinned log key; it extends the checkpoint this browser kept from an
 * earlier look (RFC 9162 consistency proof from the API, verified here); and an entry is in the
 * signed tree (its leaf hash recomputed from the canonical JSON of the entry as served, and the
 * inclusion proof verified against the signed root). The kept checkpoint moves forward only
 * after a head verified, so a server that rewrites history is caught at the next look.
 */
import { fromHex, toHex } from './bytes.js';
import { canonicalJson } from './canonical-json.js';
import { openCheckpoint } from './checkpoint.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';

/**
 * @typedef {{ ok: boolean, text: string }} Check
 * @typedef {{ verdict: 'verified'|'failed'|'pending', checks: Check[], size?: number, entry?: Record<string, unknown> }} Verdict
 * @typedef {{ size: number, root: string, note: string }} KeptCheckpoint
 */

/** Where this browser keeps the last verified checkpoint of a log key. @param {import('./log-key.js').LogKey} k */
const keptSlot = (k) => `mpc-console.kept-checkpoint.${k.keyId.toString(16).padStart(8, '0')}`;

/** The kept checkpoint of `logKey`, if any. @param {import('./log-key.js').LogKey} logKey @returns {KeptCheckpoint|undefined} */
export function keptCheckpoint(logKey) {
  try {
    const v = JSON.parse(localStorage.getItem(keptSlot(logKey)) ?? 'null');
    return v && Number.isSafeInteger(v.size) && typeof v.root === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string[]|undefined} p */
function hashes(p) {
  if (!Array.isArray(p)) throw new Error('proof: expected an array of hashes');
  return p.map((x) => {
    const b = fromHex(x);
    if (b.length !== 32) throw new Error('proof: a hash is not 32 bytes');
    return b;
  });
}

/**
 * Verifies the latest signed tree head and its consistency with the kept one; with `index`,
 * also the inclusion of that entry. Network and format errors are failed checks, not throws.
 * @param {{ get(path: string, q?: Record<string, unknown>): Promise<any> }} api
 * @param {import('./log-key.js').LogKey} logKey
 * @param {number} [index]
 * @returns {Promise<Verdict>}
 */
export async function verifyLog(api, logKey, index) {
  /** @type {Check[]} */
  const checks = [];
  /** @type {Record<string, unknown>|undefined} */
  let entry;
  /** @param {string} text @returns {Verdict} */
  const fail = (text) => {
    checks.push({ ok: false, text });
    return { verdict: 'failed', checks, ...(entry ? { entry } : {}) };
  };
  try {
    const { checkpoint } = await api.get('/v1/audit/checkpoint');
    if (checkpoint === null) return { verdict: 'pending', checks: [{ ok: false, text: 'the log has no signed checkpoint yet' }] };
    const head = await openCheckpoint(checkpoint, logKey);
    if (!head.ok) return fail(head.reason);
    checks.push({ ok: true, text: `signed tree head of size ${head.size}${head.time ? ` (${head.time})` : ''} verifies under the pinned key ${logKey.name}` });
    const kept = keptCheckpoint(logKey);
    if (kept && kept.size > head.size) return fail(`the signed tree head (size ${head.size}) is older than the one this browser kept (size ${kept.size}): a rollback`);
    if (index !== undefined) {
      const page = await api.get('/v1/audit/entries', { from: index, limit: 1 });
      entry = page.entries?.[0];
      if (!entry || entry.seq !== index) return fail(`the gateway returned no entry ${index}`);
      if (index >= head.size) return { verdict: 'pending', entry, checks: [...checks, { ok: false, text: `entry ${index} is not yet covered by a signed checkpoint (size ${head.size})` }] };
    }
    const proofIndex = index ?? 0;
    const needConsistency = kept !== undefined && kept.size >= 1 && kept.size < head.size;
    if (head.size === 0 || (index === undefined && !needConsistency)) {
      if (kept && kept.size === head.size && kept.root !== toHex(head.root)) return fail(`the signed root of size ${head.size} differs from the one this browser kept: a fork`);
      if (kept && kept.size === head.size) checks.push({ ok: true, text: `the same tree head as kept earlier (size ${kept.size})` });
    } else {
      const proofs = await api.get(`/v1/audit/proofs/${proofIndex}`, { treeSize: head.size, ...(needConsistency ? { fromSize: kept.size } : {}) });
      if (index !== undefined) {
        const inc = proofs.inclusion;
        const leaf = await leafHash(new TextEncoder().encode(canonicalJson(entry)));
        if (inc?.leafIndex !== index || inc?.treeSize !== head.size) return fail('inclusion proof: for another leaf or tree size than asked');
        if (!(await verifyInclusion(index, head.size, leaf, hashes(inc.proof), head.root))) {
          return fail(`entry ${index} is NOT in the signed tree: its leaf hash ${toHex(leaf).slice(0, 16)}… and the inclusion proof do not give the signed root (the entry or the proof was altered)`);
        }
        checks.push({ ok: true, text: `entry ${index} is in the signed tree: leaf hash ${toHex(leaf).slice(0, 16)}… recomputed here, inclusion proof of ${inc.proof.length} hashes verified to the signed root` });
      }
      if (needConsistency) {
        const c = proofs.consistency;
        if (!c || !(await verifyConsistency(kept.size, head.size, fromHex(kept.root), head.root, hashes(c.proof)))) {
          return fail(`the signed tree of size ${head.size} does NOT extend the one kept earlier (size ${kept.size}): the consistency proof fails`);
        }
        checks.push({ ok: true, text: `the signed tree extends the one kept earlier (size ${kept.size} → ${head.size}): consistency proof of ${c.proof.length} hashes verified` });
      } else if (kept && kept.size === head.size) {
        if (kept.root !== toHex(head.root)) return fail(`the signed root of size ${head.size} differs from the one this browser kept: a fork`);
        checks.push({ ok: true, text: `the same tree head as kept earlier (size ${kept.size})` });
      }
    }
    if (!kept) checks.push({ ok: true, text: `no checkpoint kept yet: size ${head.size} is kept now, and later looks are checked against it` });
    localStorage.setItem(keptSlot(logKey), JSON.stringify({ size: head.size, root: toHex(head.root), note: head.note }));
    return { verdict: 'verified', checks, size: head.size, ...(entry ? { entry } : {}) };
  } catch (err) {
    return fail(`verification could not complete: ${err instanceof Error ? err.message : String(err)}`);
  }
}
