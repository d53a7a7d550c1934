/**
 * Hand-built ONNX graphs (encoded here with protobufjs and the same official schema) for the
 * importer's mapping details and its bad-input table: every unsupported operator or attribute
 * names the node, every accepted variant maps as documented, and the variants added for issue 17
 * (dilations, auto_pad, ceil_mode, count_include_pad=0, standalone BatchNormalization, non-flat
 * Reshape, branches) agree with ONNX Runtime on random inputs (1e-5).
 */
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { ONNX_PROTO_TEXT } from '../../protocols/onnx/onnx-schema.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { NonSequentialModelError, OnnxParseError, UnsupportedOperatorError } from '../../protocols/onnx/errors.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { runOrt } from './zoo-fixture.js';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { shareModel } from '../../protocols/nn/shared-model.js';
import { evaluateSecureModel } from '../../protocols/nn/evaluate-secure-model.js';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { openChecked, shareSecret } from '../../protocols/rss/replicated-share.js';
import { seeded } from '../functions/secure-harness.js';

const root = protobuf.parse(ONNX_PROTO_TEXT, { keepCase: true }).root;
const ModelProto = root.lookupType('onnx.ModelProto');

type Attr = { name: string; type: number; i?: number; f?: number; ints?: number[]; floats?: number[]; s?: Uint8Array; strings?: Uint8Array[] };
const INT = 2;
const FLOAT = 1;
const INTS = 7;
const STRING = 3;
const FLOATS = 6;

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs?: string[];
  name?: string;
  attrs?: Attr[];
  domain?: string;
}

function tensor(name: string, dims: number[], values: number[], dataType = 1): object {
  const t: Record<string, unknown> = { name, dims, data_type: dataType };
  if (dataType === 7) t.int64_data = values;
  else t.float_data = values;
  return t;
}

function model(nodes: NodeSpec[], inits: object[], inShape: number[], opts: { extraInputs?: string[]; opset?: number; output?: string; ml?: boolean } = {}): Uint8Array {
  const vi = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  });
  const last = nodes[nodes.length - 1]!;
  const msg = ModelProto.fromObject({
    ir_version: 8,
    opset_import: [{ domain: '', version: opts.opset ?? 13 }, ...(opts.ml ? [{ domain: 'ai.onnx.ml', version: 3 }] : [])],
    graph: {
      name: 'g',
      node: nodes.map((n, i) => ({
        op_type: n.op,
        name: n.name ?? `${n.op.toLowerCase()}${i}`,
        input: n.inputs,
        output: n.outputs ?? [i === nodes.length - 1 ? 'out' : `t${i}`],
        attribute: n.attrs ?? [],
        ...(n.domain ? { domain: n.domain } : {}),
      })),
      initializer: inits,
      input: [vi('x', ['N', ...inShape]), ...(opts.extraInputs ?? []).map((n) => vi(n, ['N', ...inShape]))],
      output: [vi(opts.output ?? (last.outputs?.[0] ?? 'out'), ['N'])],
    },
  });
  return ModelProto.encode(msg).finish();
}

const W = tensor('W', [2, 3], [1, 2, 3, 4, 5, 6]);
const B = tensor('B', [2], [0.5, -0.5]);

/** The opened output of the secure evaluation of `ir` on `x` (f = 16, seeded). */
async function secureOutput(ir: ReturnType<typeof importOnnx>, x: Float32Array, batch: number): Promise<Float64Array> {
  const rng = seeded(`graphs/${ir.layers.map((l) => l.kind).join(',')}`);
  const views = shareModel(ir, rng.fork('model'), 16);
  const inputs = shareSecret(encodeFixed(Float64Array.from(x), 16), rng.fork('input'));
  const parties = createLocalParties({ fractionBits: 16, rng: rng.fork('seeds') });
  const out = await parties.run((ctx, self) => evaluateSecureModel(ctx, views[self], inputs[self], batch));
  return decodeFixed(openChecked([out[0].output, out[1].output, out[2].output]), 16);
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('importOnnx on hand-built graphs', () => {
  it('Gemm transB=0 with alpha and beta equals the formula', () => {
    const Bt = tensor('Bt', [3, 2], [1, 4, 2, 5, 3, 6]);
    const bytes = model([{ op: 'Gemm', inputs: ['x', 'Bt', 'B'], attrs: [{ name: 'alpha', type: FLOAT, f: 2 }, { name: 'beta', type: FLOAT, f: 3 }] }], [Bt, B], [3]);
    const ir = importOnnx(bytes);
    const y = evaluatePlain(ir, Float64Array.of(1, 1, 1), 1).output;
    // 2 * [1+2+3, 4+5+6] + 3 * [0.5, -0.5]
    expect(Array.from(y)).toEqual([13.5, 28.5]);
  });

  it('MatMul followed by Add folds into one dense layer with bias', () => {
    const Wm = tensor('Wm', [3, 2], [1, 4, 2, 5, 3, 6]);
    const ir = importOnnx(model([{ op: 'MatMul', inputs: ['x', 'Wm'] }, { op: 'Add', inputs: ['t0', 'B'] }], [Wm, B], [3]));
    expect(ir.layers.map((l) => l.kind)).toEqual(['dense']);
    expect(Array.from(evaluatePlain(ir, Float64Array.of(1, 0, 0), 1).output)).toEqual([1.5, 3.5]);
  });

  it('a Constant node can supply a weight, and node order in the file does not matter', () => {
    const nodes: NodeSpec[] = [
      { op: 'Relu', inputs: ['t1'], outputs: ['out'] },
      { op: 'Gemm', inputs: ['x', 'Wc', 'B'], outputs: ['t1'], attrs: [{ name: 'transB', type: INT, i: 1 }] },
      { op: 'Constant', inputs: [], outputs: ['Wc'], attrs: [{ name: 'value', type: 4, t: tensor('', [2, 3], [1, 2, 3, 4, 5, 6]) } as unknown as Attr] },
    ];
    const ir = importOnnx(model(nodes, [B], [3], { output: 'out' }));
    expect(ir.layers.map((l) => l.kind)).toEqual(['dense', 'relu']);
    expect(Array.from(evaluatePlain(ir, Float64Array.of(1, 1, -1), 1).output)).toEqual([0.5, 2.5]);
  });

  it('folds BatchNormalization after Gemm (BatchNorm1d) into the dense weights', () => {
    const bn = [tensor('s', [2], [2, 0.5]), tensor('b', [2], [1, -1]), tensor('m', [2], [3, 4]), tensor('v', [2], [3, 0])];
    const nodes: NodeSpec[] = [
      { op: 'Gemm', inputs: ['x', 'W', 'B'], attrs: [{ name: 'transB', type: INT, i: 1 }] },
      { op: 'BatchNormalization', inputs: ['t0', 's', 'b', 'm', 'v'], attrs: [{ name: 'epsilon', type: FLOAT, f: 1 }] },
    ];
    const ir = importOnnx(model(nodes, [W, B, ...bn], [3]));
    expect(ir.layers.map((l) => l.kind)).toEqual(['dense']);
    const z = [1 + 2 + 3 + 0.5, 4 + 5 + 6 - 0.5]; // W x + B for x = (1, 1, 1)
    const want = [(2 * (z[0]! - 3)) / Math.sqrt(3 + 1) + 1, (0.5 * (z[1]! - 4)) / Math.sqrt(0 + 1) - 1];
    const got = evaluatePlain(ir, Float64Array.of(1, 1, 1), 1).output;
    expect(got[0]).toBeCloseTo(want[0]!, 12);
    expect(got[1]).toBeCloseTo(want[1]!, 12);
  });

  const bad: Array<[string, () => Uint8Array, new (...a: never[]) => Error, RegExp]> = [
    ['Gemm transA=1', () => model([{ op: 'Gemm', inputs: ['x', 'W'], name: 'g', attrs: [{ name: 'transA', type: INT, i: 1 }] }], [W], [2]), UnsupportedOperatorError, /'g'.*transA/],
    ['Gemm with a data B', () => model([{ op: 'Gemm', inputs: ['x', 'y'], name: 'g2' }], [], [3], { extraInputs: ['y'] }), NonSequentialModelError, /data input/],
    ['Softmax on axis 0', () => model([{ op: 'Softmax', inputs: ['x'], name: 'sm', attrs: [{ name: 'axis', type: INT, i: 0 }] }], [], [3]), UnsupportedOperatorError, /'sm'.*axis=0/],
    ['Pow with exponent 3', () => model([{ op: 'Pow', inputs: ['x', 'e'], name: 'cube' }], [tensor('e', [], [3])], [3]), UnsupportedOperatorError, /'cube'.*exponent 3/],
    ['an operator from another domain', () => model([{ op: 'Relu', inputs: ['x'], name: 'r', domain: 'com.microsoft' }], [], [3]), UnsupportedOperatorError, /com\.microsoft/],
    ['a dangling node', () => model([{ op: 'Relu', inputs: ['x'], outputs: ['out'] }, { op: 'Sigmoid', inputs: ['W'], outputs: ['z'], name: 'stray' }], [W], [3], { output: 'out' }), NonSequentialModelError, /'stray'/],
    ['a graph output nobody produces', () => model([{ op: 'Relu', inputs: ['x'], outputs: ['r'] }], [], [3], { output: 'missing' }), NonSequentialModelError, /'missing': produced by no node/],
    ['Div between two data tensors', () => model([{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Div', inputs: ['x', 'r'], name: 'dv' }], [], [3]), UnsupportedOperatorError, /'dv'.*Div between two data tensors/],
    ['MatMul of two data tensors', () => model([{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'MatMul', inputs: ['x', 'r'], name: 'mm' }], [], [3, 3]), UnsupportedOperatorError, /'mm'.*two data tensors/],
    ['a Transpose that moves the batch axis', () => model([{ op: 'Transpose', inputs: ['x'], name: 'tr', attrs: [{ name: 'perm', type: INTS, ints: [1, 0] }] }], [], [3]), UnsupportedOperatorError, /'tr'.*moves the batch axis/],
    ['a Reshape that merges the batch axis', () => model([{ op: 'Reshape', inputs: ['x', 'shp'], name: 'rs' }], [tensor('shp', [1], [-1], 7)], [4]), UnsupportedOperatorError, /'rs'.*Reshape to \[-1\]/],
    ['Pad in reflect mode', () => model([{ op: 'Pad', inputs: ['x', 'pp'], name: 'pd', attrs: [{ name: 'mode', type: STRING, s: new TextEncoder().encode('reflect') }] }], [tensor('pp', [4], [0, 1, 0, 1], 7)], [3]), UnsupportedOperatorError, /'pd'.*mode=reflect/],
    ['Softmax over the batch axis', () => model([{ op: 'Softmax', inputs: ['x'], name: 'sb', attrs: [{ name: 'axis', type: INT, i: -2 }] }], [], [3]), UnsupportedOperatorError, /'sb'.*batch axis/],
    ['a symbolic non-batch dimension', () => model([{ op: 'Relu', inputs: ['x'] }], [], ['H' as unknown as number]), OnnxParseError, /only the batch dimension/],
    ['a float tensor with the wrong element count', () => model([{ op: 'Gemm', inputs: ['x', 'Wb'], attrs: [{ name: 'transB', type: INT, i: 1 }] }], [tensor('Wb', [2, 3], [1, 2, 3])], [3]), OnnxParseError, /'Wb'.*3 elements/],
  ];
  const K = tensor('K', [2, 1, 2, 2], [1, -2, 0.5, 3, -1, 1, 2, -0.5]);
  const bn = ['s', 'b', 'm', 'v'].map((n, i) => tensor(n, [2], [[1.5, 0.5], [0.1, -0.2], [0.3, -0.1], [2, 0.5]][i]!));
  const newlySupported: Array<[string, () => Uint8Array, number[]]> = [
    ['Conv with dilations 2', () => model([{ op: 'Conv', inputs: ['x', 'K'], attrs: [{ name: 'dilations', type: INTS, ints: [2, 2] }] }], [K], [1, 5, 5]), [1, 5, 5]],
    ['Conv with auto_pad SAME_UPPER and stride 2', () => model([{ op: 'Conv', inputs: ['x', 'K'], attrs: [{ name: 'auto_pad', type: STRING, s: new TextEncoder().encode('SAME_UPPER') }, { name: 'strides', type: INTS, ints: [2, 2] }] }], [K], [1, 5, 4]), [1, 5, 4]],
    ['MaxPool ceil_mode', () => model([{ op: 'MaxPool', inputs: ['x'], attrs: [{ name: 'kernel_shape', type: INTS, ints: [2, 2] }, { name: 'strides', type: INTS, ints: [2, 2] }, { name: 'ceil_mode', type: INT, i: 1 }] }], [], [2, 5, 5]), [2, 5, 5]],
    ['AveragePool ceil_mode with pads, count_include_pad=1', () => model([{ op: 'AveragePool', inputs: ['x'], attrs: [{ name: 'kernel_shape', type: INTS, ints: [3, 3] }, { name: 'strides', type: INTS, ints: [2, 2] }, { name: 'pads', type: INTS, ints: [1, 1, 1, 1] }, { name: 'ceil_mode', type: INT, i: 1 }, { name: 'count_include_pad', type: INT, i: 1 }] }], [], [1, 6, 6]), [1, 6, 6]],
    ['padded AveragePool with count_include_pad=0', () => model([{ op: 'AveragePool', inputs: ['x'], attrs: [{ name: 'kernel_shape', type: INTS, ints: [2, 2] }, { name: 'pads', type: INTS, ints: [1, 1, 1, 1] }] }], [], [1, 4, 4]), [1, 4, 4]],
    ['BatchNormalization first (on [N, C, H, W])', () => model([{ op: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'] }], bn, [2, 2, 3]), [2, 2, 3]],
    ['Reshape to [-1, 2, 2] then Transpose', () => model([{ op: 'Reshape', inputs: ['x', 'shp'] }, { op: 'Transpose', inputs: ['t0'], attrs: [{ name: 'perm', type: INTS, ints: [0, 2, 1] }] }], [tensor('shp', [3], [-1, 2, 2], 7)], [4]), [4]],
    ['ai.onnx.ml LinearRegressor (2 targets)', () => model([{ op: 'LinearRegressor', domain: 'ai.onnx.ml', inputs: ['x'], attrs: [{ name: 'coefficients', type: FLOATS, floats: [0.5, -1, 2, 1, 0.25, -0.5] }, { name: 'intercepts', type: FLOATS, floats: [0.1, -0.2] }, { name: 'targets', type: INT, i: 2 }] }], [], [3], { ml: true }), [3]],
    ['ai.onnx.ml LinearClassifier (scores, softmax)', () => model([{ op: 'LinearClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['label', 'out'], attrs: [{ name: 'coefficients', type: FLOATS, floats: [0.5, -1, 2, 1, 0.25, -0.5, -1, 1, 0] }, { name: 'intercepts', type: FLOATS, floats: [0.1, -0.2, 0.3] }, { name: 'classlabels_ints', type: INTS, ints: [0, 1, 2] }, { name: 'post_transform', type: STRING, s: new TextEncoder().encode('SOFTMAX') }] }], [], [3], { ml: true, output: 'out' }), [3]],
    ['ReduceSum (axes input) and GlobalMaxPool', () => model([{ op: 'GlobalMaxPool', inputs: ['x'], outputs: ['g'] }, { op: 'ReduceSum', inputs: ['x', 'ax'], outputs: ['r'], attrs: [{ name: 'keepdims', type: INT, i: 1 }] }, { op: 'Concat', inputs: ['g', 'r'], outputs: ['out'], attrs: [{ name: 'axis', type: INT, i: 1 }] }], [tensor('ax', [2], [2, 3], 7)], [2, 3, 3], { output: 'out' }), [2, 3, 3]],
    ['Conv SAME_LOWER with group 2, then Add of a [C, 1, 1] constant (folded into the bias)', () => model([{ op: 'Conv', inputs: ['x', 'Kg'], outputs: ['c'], attrs: [{ name: 'group', type: INT, i: 2 }, { name: 'auto_pad', type: STRING, s: new TextEncoder().encode('SAME_LOWER') }] }, { op: 'Add', inputs: ['c', 'cb'], outputs: ['out'] }], [tensor('Kg', [4, 1, 2, 2], [1, -1, 0.5, 2, 0.25, 1, -2, 1, 1, 1, 1, 1, -1, 0, 0, 1]), tensor('cb', [4, 1, 1], [0.5, -0.5, 1, 2])], [2, 4, 4], { output: 'out' }), [2, 4, 4]],
    ['Sub with the constant first, Div and Mul by tensor constants', () => model([{ op: 'Sub', inputs: ['c3', 'x'], outputs: ['a'] }, { op: 'Div', inputs: ['a', 'd3'], outputs: ['b'] }, { op: 'Mul', inputs: ['b', 'm3'], outputs: ['out'] }], [tensor('c3', [3], [1, 2, 3]), tensor('d3', [1, 3], [2, 4, -8]), tensor('m3', [3], [0.5, -1, 3])], [3], { output: 'out' }), [3]],
    ['Slice with a negative step, Squeeze without axes, Unsqueeze', () => model([{ op: 'Slice', inputs: ['x', 'st', 'en', 'axs', 'sp'], outputs: ['s'] }, { op: 'Unsqueeze', inputs: ['s', 'u'], outputs: ['q'] }, { op: 'Squeeze', inputs: ['q'], outputs: ['out'] }], [tensor('st', [1], [-1], 7), tensor('en', [1], [-1e18], 7), tensor('axs', [1], [1], 7), tensor('sp', [1], [-2], 7), tensor('u', [1], [2], 7)], [5], { output: 'out' }), [5]],
    ['Split into equal parts (no split input), Mul and Sub between the parts', () => model([{ op: 'Split', inputs: ['x'], outputs: ['p', 'q'], attrs: [{ name: 'axis', type: INT, i: 1 }] }, { op: 'Mul', inputs: ['p', 'q'], outputs: ['m'] }, { op: 'Sub', inputs: ['m', 'p'], outputs: ['out'] }], [], [6], { output: 'out' }), [6]],
    ['MatMul of [N, 2, 3] with a [1, 3, 2] constant, + Add bias (folded), LogSoftmax on axis 1', () => model([{ op: 'MatMul', inputs: ['x', 'W3'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'B'], outputs: ['hb'] }, { op: 'LogSoftmax', inputs: ['hb'], outputs: ['out'], attrs: [{ name: 'axis', type: INT, i: 1 }] }], [tensor('W3', [1, 3, 2], [1, 4, 2, 5, 3, 6]), B], [2, 3], { output: 'out' }), [2, 3]],
    ['Clip with attributes (opset 6), Pad with the pads attribute (opset 2 form)', () => model([{ op: 'Pad', inputs: ['x'], outputs: ['pd'], attrs: [{ name: 'pads', type: INTS, ints: [0, 1, 0, 2] }, { name: 'value', type: FLOAT, f: -3 }] }, { op: 'Clip', inputs: ['pd'], outputs: ['out'], attrs: [{ name: 'min', type: FLOAT, f: -1 }, { name: 'max', type: FLOAT, f: 1 }] }], [], [3], { output: 'out', opset: 10 }), [3]],
    ['Shape -> Gather -> Unsqueeze -> Concat -> Reshape (torch view(size(0), -1)), Exp, Tanh', () => model([{ op: 'Shape', inputs: ['x'], outputs: ['sh'] }, { op: 'Gather', inputs: ['sh', 'zero'], outputs: ['n'], attrs: [{ name: 'axis', type: INT, i: 0 }] }, { op: 'Unsqueeze', inputs: ['n', 'uz'], outputs: ['n1'] }, { op: 'Concat', inputs: ['n1', 'm1'], outputs: ['tgt'], attrs: [{ name: 'axis', type: INT, i: 0 }] }, { op: 'Reshape', inputs: ['x', 'tgt'], outputs: ['r'] }, { op: 'Exp', inputs: ['r'], outputs: ['e'] }, { op: 'Tanh', inputs: ['e'], outputs: ['out'] }], [tensor('zero', [], [0], 7), tensor('uz', [1], [0], 7), tensor('m1', [1], [-1], 7)], [2, 2, 2], { output: 'out' }), [2, 2, 2]],
    ['ConvTranspose stride 2, pads 1, output_padding 1, bias', () => model([{ op: 'ConvTranspose', inputs: ['x', 'Kt', 'bt'], attrs: [{ name: 'strides', type: INTS, ints: [2, 2] }, { name: 'pads', type: INTS, ints: [1, 0, 1, 1] }, { name: 'output_padding', type: INTS, ints: [1, 0] }] }], [tensor('Kt', [2, 3, 3, 2], Array.from({ length: 36 }, (_, i) => Math.sin(i + 1))), tensor('bt', [3], [0.1, -0.2, 0.3])], [2, 3, 4]), [2, 3, 4]],
    ['ConvTranspose with dilations 2', () => model([{ op: 'ConvTranspose', inputs: ['x', 'Kd'], attrs: [{ name: 'dilations', type: INTS, ints: [2, 1] }] }], [tensor('Kd', [1, 2, 2, 2], [1, -1, 0.5, 2, 0.25, 1, -2, 1])], [1, 3, 3]), [1, 3, 3]],
    ['a branch joined by Concat', () => model([{ op: 'Relu', inputs: ['x'], outputs: ['a'] }, { op: 'Sigmoid', inputs: ['x'], outputs: ['b'] }, { op: 'Concat', inputs: ['a', 'b', 'x'], outputs: ['out'], attrs: [{ name: 'axis', type: INT, i: -1 }] }], [], [3], { output: 'out' }), [3]],
  ];
  for (const [what, build, shape] of newlySupported) {
    it(`imports ${what} and matches ONNX Runtime (plaintext 1e-5, secure 5e-3)`, async () => {
      const bytes = build();
      const ir = importOnnx(bytes);
      const batch = 3;
      const size = shape.reduce((a, b) => a * b, 1);
      const x = Float32Array.from({ length: batch * size }, (_, i) => Math.cos(i * 2.3) * 1.5);
      const ref = await runOrt(bytes, x, [batch, ...shape]);
      const got = evaluatePlain(ir, x, batch).output;
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!), `element ${i}`).toBeLessThan(1e-5);
      // The same graph with shared weights and inputs at three in-memory parties (f = 16).
      const secure = await secureOutput(ir, x, batch);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(secure[i]! - ref[i]!), `secure element ${i}`).toBeLessThan(5e-3);
    });
  }

  for (const [what, build, cls, msg] of bad) {
    it(`rejects ${what}`, () => {
      const err = catchError(() => importOnnx(build()));
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toMatch(msg);
    });
  }
});
