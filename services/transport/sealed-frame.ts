/**
 * @module services/transport/sealed-frame
 * The wire format of one party-to-party frame. The header travels in clear (the receiver needs
 * it to pick the key and reassemble) and is the AES-256-GCM associated data, so no header byte
 * can be changed without the tag failing.
 *
 * ```
 * offset  length  field
 * 0       1       version = 0x01
 * 1       1       from (party index)
 * 2       1       to (party index)
 * 3       1       reserved = 0
 * 4       8       seq: frame counter of this direction, big-endian, from 0
 * 12      4       chunk: index of this chunk within its message
 * 16      4       chunks: number of chunks of the message (>= 1)
 * 20      2       tagLength
 * 22      t       tag (UTF-8): the protocol step
 * 22+t    n+16    AES-256-GCM(key(from->to, job), nonce = 0x00000000 || seq, body, aad = header)
 * ```
 *
 * The nonce is the sequence number, so it never repeats under one direction key; the key is
 * per run of a job and per direction (see channel-keys: it binds the job id and the three
 * parties' fresh job nonces), so neither needs room in the header. The highest sequence numbers
 * are reserved (listening notice, hello: see nats-channel, channel-hello).
 */
import { aeadDecrypt, aeadEncrypt, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH } from '../../crypto-core/aead.js';
import { DecryptionError, InvalidArgumentError } from '../../crypto-core/errors.js';

/** Format version written and accepted. */
export const FRAME_VERSION = 0x01;
/** Fixed header bytes before the tag. */
export const FRAME_FIXED_HEADER = 22;
/** Longest protocol tag (bytes of UTF-8). */
export const MAX_TAG_BYTES = 256;
/** Bytes a frame adds to its body besides the tag: fixed header and GCM tag. */
export const FRAME_OVERHEAD = FRAME_FIXED_HEADER + AEAD_TAG_LENGTH;

/** The clear header of a frame. */
export interface FrameHeader {
  from: number;
  to: number;
  seq: bigint;
  chunk: number;
  chunks: number;
  tag: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function nonceOf(seq: bigint): Uint8Array {
  const n = new Uint8Array(AEAD_NONCE_LENGTH);
  new DataView(n.buffer).setBigUint64(4, seq, false);
  return n;
}

/** Encodes the header bytes of `h`. */
export function encodeHeader(h: FrameHeader): Uint8Array {
  const tag = enc.encode(h.tag);
  if (tag.length > MAX_TAG_BYTES) throw new InvalidArgumentError(`tag: expected at most ${MAX_TAG_BYTES} bytes of UTF-8, got ${tag.length}`);
  if (!Number.isInteger(h.chunks) || h.chunks < 1 || h.chunks > 0xffffffff) throw new InvalidArgumentError(`chunks: expected 1..2^32-1, got ${h.chunks}`);
  if (!Number.isInteger(h.chunk) || h.chunk < 0 || h.chunk >= h.chunks) throw new InvalidArgumentError(`chunk: expected 0..${h.chunks - 1}, got ${h.chunk}`);
  const out = new Uint8Array(FRAME_FIXED_HEADER + tag.length);
  const v = new DataView(out.buffer);
  out[0] = FRAME_VERSION;
  out[1] = h.from;
  out[2] = h.to;
  v.setBigUint64(4, h.seq, false);
  v.setUint32(12, h.chunk, false);
  v.setUint32(16, h.chunks, false);
  v.setUint16(20, tag.length, false);
  out.set(tag, FRAME_FIXED_HEADER);
  return out;
}

/**
 * Parses the clear header of `frame` without authenticating it.
 * @returns the header and its length, or a reason string when the frame is malformed.
 */
export function parseHeader(frame: Uint8Array): { header: FrameHeader; length: number } | string {
  if (frame.length < FRAME_FIXED_HEADER + AEAD_TAG_LENGTH) return `frame of ${frame.length} bytes is shorter than the minimum`;
  if (frame[0] !== FRAME_VERSION) return `unsupported frame version ${frame[0]}`;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const tagLength = v.getUint16(20, false);
  const length = FRAME_FIXED_HEADER + tagLength;
  if (tagLength > MAX_TAG_BYTES || frame.length < length + AEAD_TAG_LENGTH) return `bad tag length ${tagLength}`;
  const chunks = v.getUint32(16, false);
  const chunk = v.getUint32(12, false);
  if (chunks < 1 || chunk >= chunks) return `bad chunk ${chunk} of ${chunks}`;
  let tag: string;
  try {
    tag = dec.decode(frame.subarray(FRAME_FIXED_HEADER, length));
  } catch {
    return 'tag is not UTF-8';
  }
  return { header: { from: frame[1]!, to: frame[2]!, seq: v.getBigUint64(4, false), chunk, chunks, tag }, length };
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
  const header = frame.subarray(0, parsed.length);
  try {
    return aeadDecrypt(key, nonceOf(parsed.header.seq), frame.subarray(parsed.length), header);
  } catch (cause) {
    if (cause instanceof DecryptionError) throw cause;
    throw new DecryptionError('frame: cannot be opened', { cause });
  }
}
