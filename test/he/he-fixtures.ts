/**
 * @module test/he/he-fixtures
 * Models for the CKKS tests, built from seeded weights (no ONNX importer needed), and a
 * slot-level simulator that runs a plan's steps on plain Float64Arrays: it checks the layout
 * algebra (diagonals, rotations, strides) exactly, without encryption noise.
 */
import { Prg } from '../../crypto-core/prg.js';
import type { DenseLayer, Layer, ModelIR } from '../../protocols/model/model-ir.js';
import type { HePlan } from '../../protocols/he/he-plan.js';

/** Uniform doubles in [-1, 1) from a labelled deterministic stream. */
export function seededUniform(label: string, n: number): Float64Array {
  const prg = Prg.fromSeed(new Uint8Array(32).fill(7)).fork(label);
  const words = prg.u64(n);
  return Float64Array.from(words, (w) => Number(w >> 11n) / 2 ** 52 - 1);
}

/** A dense layer [out, in] with uniform weights of scale `scale` (Glorot-like when scale = sqrt(6/(in+out))). */
export function denseLayer(name: string, out: number, inp: number, scale = Math.sqrt(6 / (inp + out)), withBias = true): DenseLayer {
  const w = seededUniform(`${name}:w`, out * inp).map((v) => v * scale);
  const b = seededUniform(`${name}:b`, out).map((v) => v * 0.1);
  return { kind: 'dense', name, weight: { shape: [out, inp], data: w }, ...(withBias ? { bias: { shape: [out], data: b } } : {}) };
}

/** The benchmark model: 784-128-10 with x^2 activation. */
export function mnistSquareMlp(): ModelIR {
  return {
    inputShape: [1, 28, 28],
    outputShape: [10],
    layers: [{ kind: 'flatten', name: 'flatten' }, denseLayer('fc1', 128, 784), { kind: 'square', name: 'act' }, denseLayer('fc2', 10, 128)],
  };
}

/** An input image-like vector in [0, 1). */
export function sampleInput(label: string, n: number): Float64Array {
  return seededUniform(label, n).map((v) => (v + 1) / 2);
}

/** A sequential model from layers. */
export function model(inputSize: number, outputSize: number, layers: Layer[]): ModelIR {
  return { inputShape: [inputSize], outputShape: [outputSize], layers };
}

function rot(v: Float64Array, k: number): Float64Array {
  const n = v.length;
  return Float64Array.from(v, (_, s) => v[(s + k) % n]!);
}

/**
 * Runs `plan` on the slot vector `v` in the clear with exactly the evaluator's operations
 * (rotations, products, rotate-and-sum, polynomial terms) and returns the final slots.
 */
export function simulatePlan(plan: HePlan, v: Float64Array): Float64Array {
  let x: Float64Array = Float64Array.from(v);
  // A batched plan rotates baby and giant steps `batch` times further (its sum strides are stored scaled).
  const q = plan.batch ?? 1;
  const mul = (a: Float64Array, b: Float64Array): Float64Array => a.map((u, i) => u * b[i]!);
  const add = (a: Float64Array, b: Float64Array): Float64Array => a.map((u, i) => u + b[i]!);
  const rsum = (a: Float64Array, strides: readonly number[]): Float64Array => strides.reduce((acc, k) => add(acc, rot(acc, k)), a);
  for (const step of plan.steps) {
    if (step.kind === 'dense-diagonal') {
      let total: Float64Array = new Float64Array(x.length);
      for (let j = 0; j < step.giant; j++) {
        let acc: Float64Array = new Float64Array(x.length);
        for (let c = 0; c < step.baby; c++) {
          const d = step.diagonals[j * step.baby + c];
          if (d) acc = add(acc, mul(rot(x, c * q), d));
        }
        total = add(total, rot(acc, j * step.baby * q));
      }
      total = rsum(total, step.sumStrides);
      x = step.bias ? add(total, step.bias) : total;
    } else if (step.kind === 'dense-rowblock') {
      const t = rsum(mul(x, step.mask), step.sumStrides);
      x = step.bias ? add(t, step.bias) : t;
    } else if (step.kind === 'square') {
      x = mul(x, x);
    } else if (step.kind === 'output-mask') {
      x = mul(x, step.mask);
    } else {
      const cs = step.coeffs;
      x = x.map((a) => cs.reduceRight((acc, c) => acc * a + c, 0));
    }
  }
  return x;
}
