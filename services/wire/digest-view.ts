/**
 * @module services/wire/digest-view
 * What signed service messages actually sign: the message with every long string (sealed
 * inputs, model shares, HE keys: megabytes of base64) replaced by
 * `{ "$sha256": <hex of its UTF-8>, "length": n }`. Canonical JSON plus Ed25519 over megabytes
 * (SHA-512 in JavaScript) blocked the event loop for tens of milliseconds per job message and
 * seconds per HE key bundle; node:crypto hashes the long strings in a fraction of that. The
 * message travels whole and the receiver recomputes the view. A received message that itself
 * contains a `$sha256` object is refused, so a digest placeholder can never stand in for the
 * data it names.
 */
import { createHash } from 'node:crypto';

/** Strings at least this long are signed by their SHA-256. */
export const HASHED_STRING_MIN = 1024;

const MARK = '$sha256';

/** The digest view of `v` (a new value; `v` is not changed). */
export function digestView(v: unknown): unknown {
  if (typeof v === 'string') return v.length >= HASHED_STRING_MIN ? { [MARK]: createHash('sha256').update(v, 'utf8').digest('hex'), length: v.length } : v;
  if (Array.isArray(v)) return v.map(digestView);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, digestView(x)]));
  return v;
}

/** True when `v` contains a digest placeholder anywhere (such a received message is refused). */
export function hasDigestMark(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasDigestMark);
  if (typeof v === 'object' && v !== null) return Object.hasOwn(v, MARK) || Object.values(v).some(hasDigestMark);
  return false;
}
