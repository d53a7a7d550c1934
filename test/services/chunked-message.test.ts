/** Splitting messages beyond max_payload into pieces and putting them back together. */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { isPiece, MessageAssembler, splitMessage } from '../../services/wire/chunked-message.js';

describe('chunked messages', () => {
  it('passes a small message whole and reassembles a large one from shuffled pieces', () => {
    const small = new TextEncoder().encode('{"a":1}');
    expect(splitMessage(small, 1 << 20)).toEqual([small]);
    const big = new Uint8Array(randomBytes(3_500_000));
    const pieces = splitMessage(big, 1 << 20);
    expect(pieces.length).toBe(4);
    expect(pieces.every((p) => isPiece(p) && p.length <= (1 << 20) - 1024)).toBe(true);
    const asm = new MessageAssembler();
    const order = [2, 0, 3, 1];
    const outs = order.map((i) => asm.push(pieces[i]!));
    expect(outs.slice(0, 3).every((o) => o === undefined)).toBe(true);
    expect(Buffer.from(outs[3]!).equals(Buffer.from(big))).toBe(true);
  });

  it('drops a duplicate piece and a message beyond the size limit', () => {
    const big = new Uint8Array(randomBytes(2_000_000));
    const pieces = splitMessage(big, 1 << 20);
    const asm = new MessageAssembler(1_000_000);
    expect(pieces.map((p) => asm.push(p)).every((o) => o === undefined)).toBe(true);
    const asm2 = new MessageAssembler();
    expect(asm2.push(pieces[0]!)).toBeUndefined();
    expect(asm2.push(pieces[0]!)).toBeUndefined();
    expect(asm2.push(pieces[1]!)!.length).toBe(big.length);
  });
});
