/**
 * @module services/wire/he-signing
 * Signatures of HE requests and replies: the coordinator's message signatures (which sign a
 * digest view of long strings, see services/coordinator/digest-view) under the HE domains.
 */
import { signMessage, verifyMessage, type Signed } from './job-messages.js';
import { HE_REPLY_DOMAIN, HE_REQUEST_DOMAIN, type HeReply, type HeRequest } from './he-messages.js';

export { HASHED_STRING_MIN, digestView } from './digest-view.js';

/** Signs a coordinator request (domain {@link HE_REQUEST_DOMAIN}). */
export function signHeRequest(req: HeRequest, key: { publicKey: Uint8Array; secretKey: Uint8Array }): Signed<HeRequest> {
  return signMessage(HE_REQUEST_DOMAIN, req, key);
}

/** The request in `raw` when `coordinatorKey` signed it, else undefined. Never throws. */
export function verifyHeRequest(raw: unknown, coordinatorKey: Uint8Array): HeRequest | undefined {
  return verifyMessage<HeRequest>(HE_REQUEST_DOMAIN, raw, coordinatorKey);
}

/** Signs a worker reply (domain {@link HE_REPLY_DOMAIN}). */
export function signHeReply(reply: HeReply, key: { publicKey: Uint8Array; secretKey: Uint8Array }): Signed<HeReply> {
  return signMessage(HE_REPLY_DOMAIN, reply, key);
}

/** The reply in `raw` when `workerKey` signed it, else undefined. Never throws. */
export function verifyHeReply(raw: unknown, workerKey: Uint8Array): HeReply | undefined {
  return verifyMessage<HeReply>(HE_REPLY_DOMAIN, raw, workerKey);
}
