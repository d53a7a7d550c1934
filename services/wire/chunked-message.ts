/**
 * @module services/wire/chunked-message
 * Messages larger than the server's `max_payload` (a big job report, a big result reply), cut
 * into numbered pieces and put back together. A piece starts with the 4-byte magic `MPCK`,
 * then a random 8-byte message id, the piece index and the piece count (big-endian u32), then
 * the bytes. A message that fits is sent whole; JSON never starts with the magic, so a receiver
 * tells the two apart by the first bytes. Pieces of one message come from one publisher on one
 * subject, which NATS delivers in order, but the assembler does not rely on it.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

const MAGIC = [0x4d, 0x50, 0x43, 0x4b];
/** Bytes of a piece header. */
export const PIECE_HEADER = 20;
/** Room left in max_payload for the protocol line and headers. */
const MARGIN = 1024;

/** Whether `data` is a piece (starts with the magic). */
export function isPiece(data: Uint8Array): boolean {
  return data.length >= PIECE_HEADER && MAGIC.every((b, i) => data[i] === b);
}

/** How many pieces a message of `bytes` bytes is cut into when it does not fit in `maxPayload`. */
export function piecesFor(bytes: number, maxPayload: number): number {
  return Math.ceil(bytes / (maxPayload - MARGIN - PIECE_HEADER));
}

/** `bytes` unchanged when it fits in `maxPayload`, else its pieces. */
export function splitMessage(bytes: Uint8Array, maxPayload: number): Uint8Array[] {
  if (!Number.isInteger(maxPayload) || maxPayload < 4 * MARGIN) throw new InvalidArgumentError(`maxPayload: expected an integer of at least ${4 * MARGIN}, got ${maxPayload}`);
  if (bytes.length <= maxPayload - MARGIN && !isPiece(bytes)) return [bytes];
  const body = maxPayload - MARGIN - PIECE_HEADER;
  const count = piecesFor(bytes.length, maxPayload);
  const id = randomBytes(8);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const part = bytes.subarray(i * body, Math.min(bytes.length, (i + 1) * body));
    const piece = new Uint8Array(PIECE_HEADER + part.length);
    piece.set(MAGIC, 0);
    piece.set(id, 4);
    const v = new DataView(piece.buffer);
    v.setUint32(12, i, false);
    v.setUint32(16, count, false);
    piece.set(part, PIECE_HEADER);
    out.push(piece);
  }
  return out;
}

/** Puts pieces back together; whole messages pass straight through. */
export class MessageAssembler {
  readonly #partial = new Map<string, { count: number; parts: (Uint8Array | undefined)[]; have: number; size: number }>();
  readonly #maxBytes: number;

  /** @param maxBytes - largest message accepted (pieces beyond it are dropped with the message). */
  constructor(maxBytes = 512 << 20) {
    this.#maxBytes = maxBytes;
  }

  /** Feeds one received payload; returns a complete message (a fresh copy) or undefined. */
  push(data: Uint8Array): Uint8Array | undefined {
    if (!isPiece(data)) return Uint8Array.from(data);
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const id = Buffer.from(data.subarray(4, 12)).toString('hex');
    const index = v.getUint32(12, false);
    const count = v.getUint32(16, false);
    if (count === 0 || index >= count) return undefined;
    let p = this.#partial.get(id);
    if (!p) {
      p = { count, parts: new Array<Uint8Array | undefined>(count).fill(undefined), have: 0, size: 0 };
      this.#partial.set(id, p);
    }
    if (p.count !== count || p.parts[index]) return undefined;
    p.parts[index] = Uint8Array.from(data.subarray(PIECE_HEADER));
    p.have++;
    p.size += data.length - PIECE_HEADER;
    if (p.size > this.#maxBytes) {
      this.#partial.delete(id);
      return undefined;
    }
    if (p.have < p.count) return undefined;
    this.#partial.delete(id);
    const out = new Uint8Array(p.size);
    let off = 0;
    for (const part of p.parts) {
      out.set(part!, off);
      off += part!.length;
    }
    return out;
  }
}
