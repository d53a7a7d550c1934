/**
 * Out-of-range fixed-point values (issue 12, item 7). `encodeFixed` accepts |v 2^f| < 2^62, but
 * the share truncation after a product fails (off by about 2^(64-2f) in reals) with probability
 * |x| / 2^64, x the product as a ring integer: for |v| = 20000 at f = 16 that is
 * 4e8 / 2^32 = 9.3% per product, silently.
 *
 * 1. Played on the protocol over the in-memory channel: today's `mulFixed` returns wrong
 *    products at that rate; the wrap-corrected truncation that secure inference now uses returns
 *    none wrong on the same shares.
 * 2. The SDK refuses, before anything is sent: an inference input outside |v| <= 2^(31-f)
 *    (InvalidArgumentError naming `input.data[i]` and the bound), and an MPC model whose worst
 *    case for such inputs leaves the safe range (naming the layer and the bound). The inputs are
 *    sealed, so the gateway cannot check them; the test's fetch records that no request left.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createLocalParties } from '../../protocols/testing/local-parties.js';
import { open } from '../../protocols/rss/open.js';
import { mulFixed } from '../../protocols/rss/truncate.js';
import { shareSecret } from '../../protocols/rss/replicated-share.js';
import { Prg } from '../../crypto-core/prg.js';
import { decodeFixed, encodeFixed } from '../../crypto-core/ring/index.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { fixedInputBound } from '../../protocols/model/fixed-range.js';
import { MpcClient } from '../../services/sdk/index.js';

const F = 16;
const N = 4000;
const seeded = (label: string): Prg => Prg.fromSeed(new Uint8Array(32).fill(12)).fork(label);

/** 4000 products of about +-20000 by +-20000, shared and multiplied with the given truncation. */
async function products(mode: 'probabilistic' | 'wrap-corrected'): Promise<{ got: Float64Array; want: number[] }> {
  const rng = seeded('operands');
  const signs = rng.u64(2 * N);
  const a = Array.from({ length: N }, (_, i) => ((signs[i]! & 1n) === 1n ? -20000 : 20000));
  const b = Array.from({ length: N }, (_, i) => ((signs[N + i]! & 1n) === 1n ? -20000 : 20000) + (i % 7) / 8);
  const A = shareSecret(encodeFixed(a, F), rng.fork('a'));
  const B = shareSecret(encodeFixed(b, F), rng.fork('b'));
  const parties = createLocalParties({ fractionBits: F, rng: seeded(`seeds-${mode}`) });
  const z = await parties.run((ctx, i) => mulFixed(ctx.scope('attack', { truncation: mode }), A[i]!, B[i]!));
  const [out] = await parties.run((ctx, i) => open(ctx, z[i]!));
  return { got: decodeFixed(out, F), want: a.map((v, i) => v * b[i]!) };
}

describe('out-of-range fixed-point input', () => {
  it('today: encodeFixed accepts |v| = 20000 and the share truncation silently returns ~9% of the products wrong by ~2^32', async () => {
    const { got, want } = await products('probabilistic');
    const wrong = want.map((w, i) => Math.abs(got[i]! - w)).filter((e) => e > 1e-3);
    // predicted |x| / 2^64 = 4e8 * 2^32 / 2^64 = 0.093 per product; 4000 products: 372 +- 18
    expect(wrong.length / N).toBeGreaterThan(0.07);
    expect(wrong.length / N).toBeLessThan(0.12);
    for (const e of wrong) expect(Math.abs(Math.log2(e) - 32)).toBeLessThan(0.01);
  });

  it('the wrap-corrected truncation (secure inference) gets every one of the same products right', async () => {
    const { got, want } = await products('wrap-corrected');
    for (let i = 0; i < N; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(2 ** -F);
  });

  describe('the SDK refuses before sealing anything', () => {
    const sent: string[] = [];
    const client = (fractionBits?: number): MpcClient =>
      new MpcClient({
        gatewayUrl: 'http://gateway.invalid',
        apiKey: 'k',
        ...(fractionBits === undefined ? {} : { fractionBits }),
        fetch: (async (input: string | URL | Request) => {
          sent.push(String(input));
          throw new TypeError('no network in this test');
        }) as typeof fetch,
      });

    it('an inference input beyond 2^(31-f): InvalidArgumentError naming input.data[i] and the bound', async () => {
      expect(fixedInputBound(16)).toBe(32768);
      expect(fixedInputBound(20)).toBe(2048);
      const data = [1, 2, 3, 20000, 40000, 5];
      const err = await client().submitMpcInference('digits', { shape: [1, 6], data }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(/^input\.data\[4\]: 40000 is outside the safe fixed-point range \|v\| <= 32768 \(2\^15 at f=16\)/);
      await expect(client(20).submitMpcInference('digits', { shape: [1, 1], data: [-2049] })).rejects.toThrow(/input\.data\[0\].*\|v\| <= 2048/);
      await expect(client().submitMpcInference('digits', { shape: [1, 1], data: [Number.POSITIVE_INFINITY] })).rejects.toThrow(/input\.data\[0\]/);
      expect(sent).toEqual([]);
      // at the bound the check passes and the client goes on to the network (here: none, which
      // the SDK reports as an unreachable gateway)
      await expect(client().submitMpcInference('digits', { shape: [1, 2], data: [32768, -32768] })).rejects.toMatchObject({ code: 'gateway-unreachable' });
    });

    it('an MPC model whose worst case leaves the safe range: InvalidArgumentError naming the layer and the bound', async () => {
      sent.length = 0;
      // x^2 after a 64-32 dense layer: inputs up to 32768 make activations near 2^17 and squares near 2^35
      const square = new Uint8Array(readFileSync('test/fixtures/models/digits_square_mlp.onnx'));
      await expect(client().publishModel(square, { mode: 'mpc', name: 'sq', version: '1' })).rejects.toThrow(
        /^layers\[1\] \(square1\) \(x\^2\): worst-case accumulator 2\^69\.\d for inputs \|x\| <= 32768 is outside the safe fixed-point range 2\^62 \(f=16: \|sum w x\| < 2\^30\)/,
      );
      // a dense layer's weight row: the CNN at f = 20 (inputs up to 2048)
      const cnn = new Uint8Array(readFileSync('test/fixtures/models/digits_cnn.onnx'));
      await expect(client(20).publishModel(cnn, { mode: 'mpc', name: 'cnn', version: '1' })).rejects.toThrow(/^layers\[7\] \(fc\)\.weight row \d+: worst-case accumulator 2\^63\.\d .*\|sum w x\| < 2\^22/);
      expect(sent).toEqual([]);
    });

    it('publish options out of range are refused by name before anything is sent', async () => {
      sent.length = 0;
      const mlp = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
      const publish = (opts: Record<string, unknown>, f?: number) => client(f).publishModel(mlp, { mode: 'mpc', name: 'mlp', version: '1', ...opts });
      await expect(publish({ inputBound: 40000 })).rejects.toThrow(/^opts\.inputBound: expected a number in \(0, 32768\] \(2\^15 at f=16\), got 40000/);
      await expect(publish({ inputBound: 0 })).rejects.toThrow(/^opts\.inputBound: expected a number in \(0, 32768\]/);
      await expect(publish({ inputBound: Number.NaN })).rejects.toThrow(/^opts\.inputBound/);
      await expect(publish({ errorBound: -1 })).rejects.toThrow(/^opts\.errorBound: expected a positive finite number, got -1/);
      await expect(publish({}, 12)).rejects.toThrow(/^opts\.errorBound: no documented error bound at f=12 \(documented from f=16\); state the bound you measured/);
      await expect(publish({ heBatch: 4 })).rejects.toThrow(/^opts\.heBatch: only HE models are batched per ciphertext/);
      await expect(client().publishModel(mlp, { mode: 'he', name: 'mlp', version: '1', inputBound: 1 })).rejects.toThrow(/^opts\.inputBound, opts\.errorBound: MPC only/);
      await expect(client().publishModel(mlp, { mode: 'he', name: 'mlp', version: '1', heBatch: 3 })).rejects.toThrow(/^opts\.heBatch: expected a power of two >= 1, got 3/);
      // With a stated bound the worst case shrinks: the square MLP passes the range check with
      // inputs up to 16 and goes on to the network (here: none).
      const square = new Uint8Array(readFileSync('test/fixtures/models/digits_square_mlp.onnx'));
      expect(sent).toEqual([]);
      await expect(client().publishModel(square, { mode: 'mpc', name: 'sq', version: '1', inputBound: 16 })).rejects.toMatchObject({ code: 'gateway-unreachable' });
    });
  });
});
