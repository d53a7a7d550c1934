/**
 * @module services/wire/large-base64
 * Strict base64 decoding for multi-megabyte strings. It is crypto-core's `fromBase64`, which
 * checks canonical form by re-encoding (linear in the input); kept as a name for its callers.
 */
export { fromBase64 as fromLargeBase64 } from '../../crypto-core/encoding.js';
