/**
 * @module services/transport/sealed-frame
 * The wire format of one party-to-party frame. The header travels in clear (the receiver needs
 * it to pick the key and reassemble) and is the AES-256-GCM associated data, so no header byte
 * can be changed without the tag failing.
 *
 * ```
 * offset  length  field
 * 0       1       version = 0x02
 * 1       1       from (party index)
 * 2       1       to (party index)
 * 3       1       reserved = 0
 * 4       8       seq: frame counter of this direction, big-endian, from 0
 * 12      4       chunk: index of this chunk within its message
 * 16      4       chunks: number of chunks of the message (>= 1)
 * 20      16      step: opaque id of the protocol step (step-ids: HMAC of the label under a
 *                 per-run, per-direction key; zero for hellos and listening notices)
 * 36      n+16    AES-256-GCM(key(from->to, job), nonce = 0x00000000 || seq, body, aad = header)
 * ```
 *
 * Version 1 carried the step label itself (`model#0/relu#1/...`) in clear, which told the broker
 * a model's layer types; version 2 carries only the opaque id, and the label stays bound through
 * the id in the associated data.
 *
 * The nonce is the sequence number, so it never repeats under one direction key; the key is
 * per run of a job and per direction (see channel-keys: it binds the job id and the three
 * parties' fresh job nonces), so neither needs room in the header. The highest sequence numbers
 * are reserved (listening notice, hello: see nats-channel, channel-hello).
 */
import { aeadDecrypt, aeadEncrypt, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from '../../crypto-core/aead.js';
import { DecryptionError, InvalidArgumentError } from '../../crypto-core/errors.js';
import { STEP_ID_LENGTH } from './step-ids.js';

/** Format version written and accepted. */
export const FRAME_VERSION = 0x02;
/** Header bytes (the step id included). */
export const FRAME_HEADER_LENGTH = 20 + STEP_ID_LENGTH;
/** Bytes a frame adds to its body: header and GCM tag. */
export const FRAME_OVERHEAD = FRAME_HEADER_LENGTH + AEAD_TAG_LENGTH;

/** The clear header of a frame. */
export interface FrameHeader {
  from: number;
  to: number;
  seq: bigint;
  chunk: number;
  chunks: number;
  /** Opaque step id ({@link STEP_ID_LENGTH} bytes). */
  step: Uint8Array;
}

function nonceOf(seq: bigint): Uint8Array {
  const n = new Uint8Array(AEAD_NONCE_LENGTH);
  new DataView(n.buffer).setBigUint64(4, seq, false);
  return n;
}

/** Encodes the header bytes of `h`. */
export function encodeHeader(h: FrameHeader): Uint8Array {
  if (!(h.step instanceof Uint8Array) || h.step.length !== STEP_ID_LENGTH) throw new InvalidArgumentError(`step: expected a ${STEP_ID_LENGTH}-byte step id`);
  if (!Number.isInteger(h.chunks) || h.chunks < 1 || h.chunks > 0xffffffff) throw new InvalidArgumentError(`chunks: expected 1..2^32-1, got ${h.chunks}`);
  if (!Number.isInteger(h.chunk) || h.chunk < 0 || h.chunk >= h.chunks) throw new InvalidArgumentError(`chunk: expected 0..${h.chunks - 1}, got ${h.chunk}`);
  const out = new Uint8Array(FRAME_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  out[0] = FRAME_VERSION;
  out[1] = h.from;
  out[2] = h.to;
  v.setBigUint64(4, h.seq, false);
  v.setUint32(12, h.chunk, false);
  v.setUint32(16, h.chunks, false);
  out.set(h.step, 20);
  return out;
}

/**
 * Parses the clear header of `frame` without authenticating it.
 * @returns the header and its length, or a reason string when the frame is malformed.
 */
export function parseHeader(frame: Uint8Array): { header: FrameHeader; length: number } | string {
  if (frame.length < FRAME_HEADER_LENGTH) return `frame of ${frame.length} bytes is shorter than the header`;
  if (frame[0] !== FRAME_VERSION) return `unsupported frame version ${frame[0]}`;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const chunks = v.getUint32(16, false);
  const chunk = v.getUint32(12, false);
  if (chunks < 1 || chunk >= chunks) return `bad chunk ${chunk} of ${chunks}`;
  const step = Uint8Array.from(frame.subarray(20, FRAME_HEADER_LENGTH));
  return { header: { from: frame[1]!, to: frame[2]!, seq: v.getBigUint64(4, false), chunk, chunks, step }, length: FRAME_HEADER_LENGTH };
}

/** Seals `body` under `key` with header `h`: returns the whole frame. */
export function sealFrame(key: Uint8Array, h: FrameHeader, body: Uint8Array): Uint8Array {
  const header = encodeHeader(h);
  const sealed = aeadEncrypt(key, nonceOf(h.seq), body, header);
  const out = new Uint8Array(header.length + sealed.length);
  out.set(header, 0);
  out.set(sealed, header.length);
  return out;
}

/**
 * Authenticates and decrypts a frame whose header was parsed by {@link parseHeader}.
 * @throws DecryptionError when the tag does not verify (wrong key: forged sender or job; altered bytes).
 */
export function openFrame(key: Uint8Array, frame: Uint8Array, parsed: { header: FrameHeader; length: number }): Uint8Array {
  if (frame.length < parsed.length + AEAD_TAG_LENGTH) throw new DecryptionError(`frame: ${frame.length} bytes, shorter than header and tag`);
  const header = frame.subarray(0, parsed.length);
  try {
    return aeadDecrypt(key, nonceOf(parsed.header.seq), frame.subarray(parsed.length), header);
  } catch (cause) {
    if (cause instanceof DecryptionError) throw cause;
    throw new DecryptionError('frame: cannot be opened', { cause });
  }
}
