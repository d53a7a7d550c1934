/**
 * @module services/transport/channel-hello
 * The hello of a job channel: the one frame a party sends in clear, carrying its job nonce
 * (see channel-keys) to a peer. Same header as a sealed frame (so the receiver parses it the same
 * way), a reserved sequence number and step id, and the 32-byte nonce as the body:
 *
 * ```
 * header(from, to, seq = HELLO_SEQ, chunk 0 of 1, step = RESERVED_STEP (zeros)) || nonce (32 bytes, clear)
 * ```
 *
 * Why in clear and unsigned: the nonce is public and needs no integrity of its own. A forged or
 * replayed hello can only give the receiver a wrong peer nonce; the receiver's keys still contain
 * its own fresh nonce, and a wrong peer nonce makes every sealed frame between the two fail to
 * authenticate (including the listening notice that a job waits for), so the effect is a job that
 * does not start, which a broker can cause anyway by dropping frames.
 */
import { encodeHeader, type FrameHeader } from './sealed-frame.js';
import { JOB_NONCE_LENGTH } from './channel-keys.js';
import { isReservedStep, RESERVED_STEP } from './step-ids.js';

/** Sequence number of hellos: outside the data sequence (the frame counter never reaches it). */
export const HELLO_SEQ = 0xffff_ffff_ffff_fffdn;

/** The hello frame `from -> to` carrying `nonce`. */
export function encodeHello(from: number, to: number, nonce: Uint8Array): Uint8Array {
  const header = encodeHeader({ from, to, seq: HELLO_SEQ, chunk: 0, chunks: 1, step: RESERVED_STEP });
  const out = new Uint8Array(header.length + nonce.length);
  out.set(header, 0);
  out.set(nonce, header.length);
  return out;
}

/**
 * The nonce of a hello whose header was parsed (a fresh copy), or the reason it is malformed.
 */
export function helloNonce(frame: Uint8Array, parsed: { header: FrameHeader; length: number }): Uint8Array | string {
  if (!isReservedStep(parsed.header.step) || parsed.header.chunks !== 1) return 'reserved hello sequence on a frame with a step id or several chunks';
  const body = frame.subarray(parsed.length);
  if (body.length !== JOB_NONCE_LENGTH) return `hello of ${body.length} bytes, expected a ${JOB_NONCE_LENGTH}-byte nonce`;
  return Uint8Array.from(body);
}
