/**
 * Bad inputs to importOnnx: malformed bytes, unsupported operators and attributes, non-chain graphs.
 */
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { NonSequentialModelError, OnnxParseError, UnsupportedOperatorError } from '../../protocols/onnx/errors.js';
import { loadModelBytes } from './load-fixture.js';

describe('importOnnx bad inputs', () => {
  it('rejects truncated bytes with OnnxParseError', () => {
    const bytes = loadModelBytes('digits_mlp');
    for (const cut of [1, 17, Math.floor(bytes.length / 2), bytes.length - 3]) {
      expect(() => importOnnx(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(OnnxParseError);
    }
  });

  it('rejects empty and random bytes with OnnxParseError', () => {
    expect(() => importOnnx(new Uint8Array(0))).toThrow(OnnxParseError);
    const junk = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    expect(() => importOnnx(junk)).toThrow(OnnxParseError);
    expect(() => importOnnx('not bytes' as unknown as Uint8Array)).toThrow(OnnxParseError);
  });

  it('names the node and op_type of an unsupported operator (Erf)', () => {
    const err = (() => {
      try {
        importOnnx(loadModelBytes('unsupported_erf'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UnsupportedOperatorError);
    const u = err as UnsupportedOperatorError;
    expect(u.nodeName).toBe('gelu_erf');
    expect(u.opType).toBe('Erf');
    expect(u.message).toContain("'gelu_erf'");
    expect(u.code).toBe('onnx-unsupported-operator');
  });

  it('rejects an unsupported attribute value (Conv group=2)', () => {
    expect(() => importOnnx(loadModelBytes('unsupported_grouped_conv'))).toThrow(/grouped_conv.*group=2/);
  });

  it('rejects a residual (non-chain) graph naming the tensor and nodes', () => {
    expect(() => importOnnx(loadModelBytes('non_chain_residual'))).toThrow(NonSequentialModelError);
    expect(() => importOnnx(loadModelBytes('non_chain_residual'))).toThrow(/'input'.*'fc' Gemm.*'skip_add' Add/);
  });
});
