/**
 * @module console/canonical-json
 * RFC 8785 (JCS) canonical JSON, the form audit entries are hashed in
 * (crypto-core/canonical-json): object members sorted by their UTF-16 code units, no
 * whitespace, numbers and strings as ECMAScript's JSON.stringify writes them (which is what
 * RFC 8785 specifies for both). The console recomputes an entry's bytes from the JSON the API
 * returned, so a changed field changes the leaf hash.
 */

/** @param {unknown} v @returns {string} */
export function canonicalJson(v) {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`canonical JSON: ${v} has no JSON form`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(/** @type {Record<string, unknown>} */ (v)[k])}`).join(',')}}`;
  }
  throw new Error(`canonical JSON: a ${typeof v} has no JSON form`);
}
