/**
 * @module services/wire/he-codec
 * JSON forms of what crosses NATS between the coordinator and an HE worker: evaluation-key
 * bundles (keys base64), models (ONNX base64, or a ModelIR with tensors as number arrays).
 * Decoding checks shapes and types and names the field; the CKKS-level checks (parameters,
 * SEAL headers, supported layers) stay with the pool and the planner.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import type { CkksParams } from '../../crypto-core/he/ckks-params.js';
import { validateCkksParams } from '../../crypto-core/he/ckks-params.js';
import type { Layer, ModelIR, Tensor } from '../../protocols/model/model-ir.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { fromLargeBase64 } from './large-base64.js';
import type { WireEvalKeys, WireModelIR } from './he-messages.js';

const TENSOR_FIELDS = ['weight', 'bias'] as const;

/** The wire form of an evaluation-key bundle. */
export function encodeEvalKeys(b: EvalKeyBundle): WireEvalKeys {
  const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
  return { params: b.params, publicKey: b64(b.publicKey), relinKeys: b64(b.relinKeys), galoisKeys: b64(b.galoisKeys), galoisSteps: [...b.galoisSteps] };
}

/** A bundle from its wire form. @throws InvalidArgumentError naming the field (`<name>.relinKeys`, ...). */
export function decodeEvalKeys(w: unknown, name = 'evalKeys'): EvalKeyBundle {
  if (typeof w !== 'object' || w === null) throw new InvalidArgumentError(`${name}: expected an object with params, publicKey, relinKeys, galoisKeys, galoisSteps`);
  const v = w as Partial<WireEvalKeys>;
  validateCkksParams(v.params as CkksParams);
  const steps = v.galoisSteps;
  if (!Array.isArray(steps) || steps.length > 4096 || !steps.every((s) => Number.isInteger(s))) throw new InvalidArgumentError(`${name}.galoisSteps: expected a list of integers`);
  if (typeof v.galoisKeys !== 'string') throw new InvalidArgumentError(`${name}.galoisKeys: expected base64 string, got ${typeof v.galoisKeys}`);
  return {
    params: v.params as CkksParams,
    publicKey: fromLargeBase64(v.publicKey as string, `${name}.publicKey`),
    relinKeys: fromLargeBase64(v.relinKeys as string, `${name}.relinKeys`),
    galoisKeys: v.galoisKeys.length === 0 ? new Uint8Array(0) : fromLargeBase64(v.galoisKeys, `${name}.galoisKeys`),
    galoisSteps: steps as number[],
  };
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'data' in x;
}

/** The wire form of a ModelIR (tensors as number arrays; everything else as is). */
export function encodeModelIR(ir: ModelIR): WireModelIR {
  return {
    inputShape: [...ir.inputShape],
    outputShape: [...ir.outputShape],
    layers: ir.layers.map((l) => {
      const out: Record<string, unknown> = { ...l };
      for (const f of TENSOR_FIELDS) {
        const t = (l as unknown as Record<string, unknown>)[f];
        if (isTensor(t)) out[f] = { shape: [...t.shape], data: Array.from(t.data) };
      }
      return out;
    }),
  };
}

function decodeTensor(t: unknown, name: string): Tensor {
  const v = t as { shape?: unknown; data?: unknown } | null;
  if (typeof v !== 'object' || v === null || !Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new InvalidArgumentError(`${name}.shape: expected positive integer dimensions`);
  }
  if (!Array.isArray(v.data) || !v.data.every((x) => typeof x === 'number')) throw new InvalidArgumentError(`${name}.data: expected a list of numbers`);
  const size = (v.shape as number[]).reduce((a, b) => a * b, 1);
  if (v.data.length !== size) throw new InvalidArgumentError(`${name}.data: shape [${(v.shape as number[]).join(', ')}] needs ${size} values, got ${v.data.length}`);
  return { shape: v.shape as number[], data: Float64Array.from(v.data as number[]) };
}

/** A ModelIR from its wire form. @throws InvalidArgumentError naming the field. */
export function decodeModelIR(w: unknown, name = 'ir'): ModelIR {
  const v = w as Partial<WireModelIR> | null;
  if (typeof v !== 'object' || v === null || !Array.isArray(v.layers)) throw new InvalidArgumentError(`${name}: expected { inputShape, outputShape, layers }`);
  for (const f of ['inputShape', 'outputShape'] as const) {
    const s = v[f];
    if (!Array.isArray(s) || !s.every((d) => Number.isInteger(d) && d > 0)) throw new InvalidArgumentError(`${name}.${f}: expected positive integer dimensions`);
  }
  const layers = v.layers.map((l, i) => {
    if (typeof l !== 'object' || l === null || typeof l.kind !== 'string' || typeof l.name !== 'string') throw new InvalidArgumentError(`${name}.layers[${i}]: expected { kind, name, ... }`);
    const out: Record<string, unknown> = { ...l };
    for (const f of TENSOR_FIELDS) if (l[f] !== undefined) out[f] = decodeTensor(l[f], `${name}.layers[${i}].${f}`);
    return out as unknown as Layer;
  });
  return { inputShape: v.inputShape!, outputShape: v.outputShape!, layers };
}

/** The ModelIR of a wire model (ONNX is imported here). @throws InvalidArgumentError or the importer's named errors. */
export function modelFromWire(m: unknown, name = 'model'): ModelIR {
  const v = m as Partial<{ format: string; onnx: unknown; ir: unknown }> | null;
  if (typeof v !== 'object' || v === null) throw new InvalidArgumentError(`${name}: expected { format: 'onnx', onnx } or { format: 'ir', ir }`);
  if (v.format === 'onnx') return importOnnx(fromLargeBase64(v.onnx as string, `${name}.onnx`));
  if (v.format === 'ir') return decodeModelIR(v.ir, `${name}.ir`);
  throw new InvalidArgumentError(`${name}.format: expected 'onnx' or 'ir', got ${JSON.stringify(v.format)}`);
}
