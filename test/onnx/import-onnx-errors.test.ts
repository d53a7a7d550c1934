/**
 * Bad inputs to importOnnx: malformed bytes, unsupported operators and attributes; and the two
 * fixtures that used to be refused (grouped conv, residual add), which now import and agree with
 * ONNX Runtime (1e-5 on random inputs).
 */
import { describe, expect, it } from 'vitest';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { runOrt } from './zoo-fixture.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { OnnxParseError, UnsupportedOperatorError } from '../../protocols/onnx/errors.js';
import { SUPPORTED_OPERATORS } from '../../protocols/onnx/import-onnx.js';
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
    // The message lists what is supported, so the model owner knows what to export instead.
    expect(u.message).toContain('supported operators: ');
    for (const op of ['Conv', 'Pad', 'Softmax', 'ml:LinearClassifier']) expect(SUPPORTED_OPERATORS).toContain(op);
    expect(u.message).toContain(SUPPORTED_OPERATORS.join(', '));
  });

  for (const [name, shape] of [
    ['unsupported_grouped_conv', [2, 3, 3]],
    ['non_chain_residual', [4]],
  ] as const) {
    it(`${name} (refused before issue 17) imports and matches ONNX Runtime`, async () => {
      const bytes = loadModelBytes(name);
      const ir = importOnnx(bytes);
      const batch = 5;
      const size = shape.reduce((a: number, b: number) => a * b, 1);
      const x = Float32Array.from({ length: batch * size }, (_, i) => Math.sin(i * 1.7) * 2);
      const ref = await runOrt(bytes, x, [batch, ...shape]);
      const got = evaluatePlain(ir, x, batch).output;
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-5);
    });
  }
});
