/**
 * @module services/he-worker/he-signing
 * Signatures of HE requests and replies over a digest view of the message. A session's keys
 * are ~19 MB of base64: canonical JSON of that and Ed25519 over it (SHA-512 in JavaScript,
 * twice when signing) took ~2.5 s of blocked event loop per worker and message. So the signed
 * body is the message with every string longer than {@link HASHED_STRING_MIN} characters
 * replaced by `{ "$sha256": <hex of its UTF-8>, "length": n }` (node:crypto hashes 19 MB in
 * ~40 ms); the message travels whole and the receiver recomputes the view. A received message
 * that itself contains a `$sha256` object is refused, so a digest placeholder can never stand in
 * for the data it names.
 */
import { createHash } from 'node:crypto';
import { signMessage, verifyMessage, type Signed } from '../coordinator/job-messages.js';
import { HE_REPLY_DOMAIN, HE_REQUEST_DOMAIN, type HeReply, type HeRequest } from './he-messages.js';

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

function hasMark(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasMark);
  if (typeof v === 'object' && v !== null) return Object.hasOwn(v, MARK) || Object.values(v).some(hasMark);
  return false;
}

function signView<T>(domain: string, body: T, key: { publicKey: Uint8Array; secretKey: Uint8Array }): Signed<T> {
  const s = signMessage(domain, digestView(body), key);
  return { body, signer: s.signer, signature: s.signature };
}

function verifyView<T>(domain: string, raw: unknown, signer: Uint8Array): T | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as Partial<Signed<T>>;
  if (s.body === undefined || hasMark(s.body)) return undefined;
  return verifyMessage<unknown>(domain, { ...s, body: digestView(s.body) }, signer) === undefined ? undefined : s.body;
}

/** Signs a coordinator request (domain {@link HE_REQUEST_DOMAIN}). */
export function signHeRequest(req: HeRequest, key: { publicKey: Uint8Array; secretKey: Uint8Array }): Signed<HeRequest> {
  return signView(HE_REQUEST_DOMAIN, req, key);
}

/** The request in `raw` when `coordinatorKey` signed it, else undefined. Never throws. */
export function verifyHeRequest(raw: unknown, coordinatorKey: Uint8Array): HeRequest | undefined {
  return verifyView<HeRequest>(HE_REQUEST_DOMAIN, raw, coordinatorKey);
}

/** Signs a worker reply (domain {@link HE_REPLY_DOMAIN}). */
export function signHeReply(reply: HeReply, key: { publicKey: Uint8Array; secretKey: Uint8Array }): Signed<HeReply> {
  return signView(HE_REPLY_DOMAIN, reply, key);
}

/** The reply in `raw` when `workerKey` signed it, else undefined. Never throws. */
export function verifyHeReply(raw: unknown, workerKey: Uint8Array): HeReply | undefined {
  return verifyView<HeReply>(HE_REPLY_DOMAIN, raw, workerKey);
}
