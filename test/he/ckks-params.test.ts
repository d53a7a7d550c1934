/**
 * Bad inputs at the boundary of the CKKS wrapper: parameter validation against the 128-bit
 * table, SEAL header parsing of non-SEAL bytes, and argument checks of the public functions.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import { ckksParamsForDepth, DEFAULT_CKKS_PARAMS, validateCkksParams, type CkksParams } from '../../crypto-core/he/ckks-params.js';
import { HeMalformedDataError, HeParameterError } from '../../crypto-core/he/errors.js';
import { loadSeal } from '../../crypto-core/he/seal-loader.js';
import { peekCiphertextParmsId, readSealHeader } from '../../crypto-core/he/serialized-header.js';
import { compareDualExecution, resultDigest } from '../../protocols/he/dual-execution.js';
import { HeUnsupportedModelError } from '../../protocols/he/errors.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import { packInput, unpackOutput } from '../../protocols/he/input-packing.js';
import { inferPlain } from '../../protocols/he/plain-inference.js';
import { parsePublicPlan, publicPlan } from '../../protocols/he/public-plan.js';
import { denseLayer, model } from './he-fixtures.js';

const base = DEFAULT_CKKS_PARAMS;
const badParams: [string, CkksParams, RegExp][] = [
  ['N not a power of two', { ...base, polyModulusDegree: 8000 }, /polyModulusDegree: expected one of/],
  ['N NaN', { ...base, polyModulusDegree: NaN }, /polyModulusDegree/],
  ['N too small', { ...base, polyModulusDegree: 2048 }, /polyModulusDegree/],
  ['above 128-bit bound', { ...base, coeffModulusBits: [60, 40, 40, 40, 60] }, /exceeds 218, the 128-bit security bound for N=8192/],
  ['prime size out of range', { ...base, coeffModulusBits: [49, 40, 70, 49] }, /coeffModulusBits\[2\]: expected an integer in \[20, 60\]/],
  ['negative prime size', { ...base, coeffModulusBits: [49, -40, 49] }, /coeffModulusBits\[1\]/],
  ['too few primes', { ...base, coeffModulusBits: [49, 49] }, /at least 3 prime sizes/],
  ['scale leaves no room in q0', { ...base, scaleBits: 49 }, /scaleBits: 49 leaves no room/],
  ['middle prime off the scale', { ...base, coeffModulusBits: [49, 40, 35, 40, 49] }, /coeffModulusBits\[2\]: middle primes must have scaleBits/],
  ['scale not an integer', { ...base, scaleBits: 40.5 }, /scaleBits: expected an integer/],
];

describe('validateCkksParams', () => {
  for (const [name, p, re] of badParams) {
    it(`refuses ${name}`, () => {
      expect(() => validateCkksParams(p)).toThrow(HeParameterError);
      expect(() => validateCkksParams(p)).toThrow(re);
    });
  }
  it('accepts the default and the deeper sets it proposes (N=16384 to depth 7, then N=32768), refuses depth beyond 128-bit N=32768', () => {
    validateCkksParams(base);
    for (let d = 1; d <= 19; d++) validateCkksParams(ckksParamsForDepth(d));
    expect(ckksParamsForDepth(7).polyModulusDegree).toBe(16384);
    expect(ckksParamsForDepth(8).polyModulusDegree).toBe(32768);
    expect(() => ckksParamsForDepth(20)).toThrow(/more than the 881/);
    expect(() => ckksParamsForDepth(0)).toThrow(/depth: expected a positive integer/);
  });
  it('CkksContext.create refuses insecure parameters before SEAL sees them', async () => {
    const seal = await loadSeal();
    expect(() => CkksContext.create(seal, { ...base, coeffModulusBits: [60, 40, 40, 40, 60] })).toThrow(HeParameterError);
  });
});

describe('SEAL header parsing', () => {
  it('refuses non-SEAL, short and size-mismatched bytes', () => {
    expect(() => readSealHeader(new Uint8Array(8), 'ct')).toThrow(/ct: 8 bytes is shorter/);
    expect(() => readSealHeader(new Uint8Array(32), 'ct')).toThrow(/ct: not SEAL data/);
    const h = new Uint8Array(40);
    h.set([0x5e, 0xa1, 16, 4, 1, 0]);
    new DataView(h.buffer).setBigUint64(8, 41n, true);
    expect(() => readSealHeader(h, 'ct')).toThrow(/announces 41 bytes but 40/);
    h[5] = 9;
    expect(() => readSealHeader(h, 'ct')).toThrow(/unknown compression mode 9/);
    h[5] = 2;
    new DataView(h.buffer).setBigUint64(8, 40n, true);
    expect(() => peekCiphertextParmsId(h)).toThrow(HeMalformedDataError);
    expect(() => readSealHeader('x' as unknown as Uint8Array, 'ct')).toThrow(/expected Uint8Array/);
  });
});

describe('argument checks of the protocol functions', () => {
  const ir = model(8, 2, [denseLayer('a', 2, 8)]);
  const plan = planHeModel(ir);
  it('packInput / unpackOutput / inferPlain refuse wrong lengths, types and non-finite values', () => {
    expect(() => packInput(plan, new Float64Array(7))).toThrow(InvalidArgumentError);
    expect(() => packInput(plan, [1, 2] as unknown as Float64Array)).toThrow(/x: expected Float64Array of length 8/);
    expect(() => packInput(plan, new Float64Array(8).fill(Infinity))).toThrow(/x\[0\]: expected a finite number/);
    expect(() => unpackOutput(plan, new Float64Array(3))).toThrow(/slots: expected Float64Array of length 4096/);
    expect(() => inferPlain(ir, new Float64Array(9))).toThrow(InvalidArgumentError);
  });
  it('planHeModel refuses non-models and bad shapes', () => {
    expect(() => planHeModel(null as unknown as typeof ir)).toThrow(HeUnsupportedModelError);
    expect(() => planHeModel({ ...ir, inputShape: [-8] })).toThrow(/ir.inputShape: expected positive integer/);
    expect(() => planHeModel({ ...ir, outputShape: [3] })).toThrow(/ir.outputShape: says 3 outputs, the layers produce 2/);
    expect(() => planHeModel(model(5000, 1, [denseLayer('big', 1, 5000)]))).toThrow(/5000 inputs exceed the 4096 slots/);
  });
  it('compareDualExecution returns false (never throws) on any mismatch', () => {
    const a = new Uint8Array([1, 2, 3]);
    const ok = { bytes: a, sha256: resultDigest(a) };
    expect(compareDualExecution(ok, ok)).toEqual({ verified: true, hashA: ok.sha256, hashB: ok.sha256 });
    expect(compareDualExecution(ok, { bytes: a, sha256: 'f'.repeat(64) }).verified).toBe(false);
    expect(compareDualExecution(ok, { bytes: new Uint8Array(0), sha256: resultDigest(new Uint8Array(0)) }).verified).toBe(false);
  });
});

describe('public plan (what a client may see)', () => {
  const plan = planHeModel(model(30, 1, [denseLayer('lr', 1, 30), { kind: 'sigmoid', name: 's' }]));
  it('carries no weights and survives a JSON round trip through parsePublicPlan', () => {
    const pub = publicPlan(plan);
    expect(Object.keys(pub)).not.toContain('steps');
    // Weights would be thousands of numbers; the public part is a few hundred bytes.
    expect(JSON.stringify(pub).length).toBeLessThan(600);
    expect(JSON.stringify(pub)).not.toMatch(/"(steps|mask|bias|weight)"/);
    expect(parsePublicPlan(JSON.parse(JSON.stringify(pub)))).toEqual(pub);
  });
  const bad: [string, (p: Record<string, unknown>) => void, RegExp][] = [
    ['version', (p) => (p.version = 2), /plan.version: expected 1/],
    ['slotCount', (p) => (p.slotCount = 100), /plan.slotCount: expected 4096/],
    ['inputSize', (p) => (p.inputSize = -1), /plan.inputSize/],
    ['layout kind', (p) => (p.inputLayout = { kind: 'magic' }), /plan.inputLayout.kind/],
    ['layout period', (p) => (p.inputLayout = { kind: 'replicated', period: 3 }), /plan.inputLayout.period/],
    ['output outside slots', (p) => (p.output = { length: 10, stride: 4096 }), /plan.output/],
    ['postprocess', (p) => (p.postprocess = 'relu'), /plan.postprocess/],
    ['galois steps', (p) => (p.galoisSteps = [0]), /plan.galoisSteps/],
    ['params', (p) => (p.params = { polyModulusDegree: 8192, coeffModulusBits: [60, 60, 60, 60], scaleBits: 40 }), /exceeds 218/],
    ['not an object', () => undefined, /plan: expected an object/],
  ];
  for (const [name, mutate, re] of bad) {
    it(`parsePublicPlan refuses a bad ${name}`, () => {
      const p = JSON.parse(JSON.stringify(publicPlan(plan))) as Record<string, unknown>;
      mutate(p);
      expect(() => parsePublicPlan(name === 'not an object' ? 'x' : p)).toThrow(re);
    });
  }
});
