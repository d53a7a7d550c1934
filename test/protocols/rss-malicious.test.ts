/**
 * Malicious-with-abort mode of protocols/rss (docs/protocols-malicious.md), over the in-memory
 * channel: honest runs give the semi-honest results (exact protocols bit for bit against the
 * clear computation, truncations within the same bound); one party that alters any message it
 * sends (a product's reshare, a truncation input, a comparison's consistency digest or AND, an
 * open, a triple, an AND triple or AND open, the coin, a masked open, a zero-test digest, a verdict) is caught before any output is opened: no honest
 * party returns the output, and the parties that catch it name a set containing the cheater.
 */
import { describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { decodeFixed, encodeFixed, tsRing } from '../../crypto-core/ring/index.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { argmax } from '../../protocols/rss/argmax.js';
import { equalZero, ltz, relu } from '../../protocols/rss/comparison.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';
import { UnsupportedInMaliciousModeError, VerificationFailedError } from '../../protocols/rss/errors.js';
import { ltzBit } from '../../protocols/rss/comparison.js';
import { verifyJob } from '../../protocols/rss/malicious/verify-products.js';
import { dot, matmul, mul } from '../../protocols/rss/mul.js';
import { open, revealTo } from '../../protocols/rss/open.js';
import type { ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { matmulFixed, mulFixed, truncate } from '../../protocols/rss/truncate.js';
import { createLocalParties, type LocalPartiesOptions } from '../../protocols/testing/local-parties.js';
import type { Perturbation } from '../../protocols/testing/perturbing-channel.js';
import { runCheating as cheatingRun, type CheatingOutcome, dealt, recordingChannel, seeded, signed, smallSigned } from './helpers.js';

const MASK = (1n << 64n) - 1n;
const u = (v: bigint): bigint => v & MASK;

function parties(opts: LocalPartiesOptions = {}) {
  return createLocalParties({ ring: tsRing, rng: Prg.fromSeed(new Uint8Array(32).fill(3)), recvTimeoutMs: 10_000, ...opts });
}

/** Runs `body` in both modes at all parties and returns party 0's opened result of each. */
async function bothModes(body: (ctx: ProtocolContext, self: PartyIndex) => Promise<ReplicatedShare>): Promise<{ semi: BigUint64Array; mal: BigUint64Array }> {
  const out: BigUint64Array[] = [];
  for (const security of ['semi-honest', 'malicious'] as const) {
    const p = parties({ security });
    const res = await p.run(async (ctx, self) => {
      const z = await body(ctx, self);
      await verifyJob(ctx);
      return open(ctx, z);
    });
    expect(res[1]).toEqual(res[0]);
    expect(res[2]).toEqual(res[0]);
    out.push(res[0]);
  }
  return { semi: out[0]!, mal: out[1]! };
}

describe('malicious mode, honest parties', () => {
  const rng = seeded('malicious-honest');
  const n = 12;
  const xs = smallSigned(rng, n, 30);
  const ys = smallSigned(rng, n, 30);
  const X = dealt(xs, rng);
  const Y = dealt(ys, rng);

  it('mul and dot are exact and equal to semi-honest', async () => {
    const { semi, mal } = await bothModes((ctx, s) => mul(ctx, X(s), Y(s)));
    expect(mal).toEqual(semi);
    expect([...mal]).toEqual([...xs].map((x, i) => u(x * ys[i]!)));
    const d = await bothModes((ctx, s) => dot(ctx, X(s), Y(s), 4));
    expect(d.mal).toEqual(d.semi);
    expect([...d.mal]).toEqual([0, 1, 2].map((r) => u([0, 1, 2, 3].reduce((acc, k) => acc + xs[4 * r + k]! * ys[4 * r + k]!, 0n))));
  });

  it('matmul is exact, narrow and wide (the proof pads odd lengths)', async () => {
    for (const [m, k, cols] of [
      [2, 3, 4],
      [2, 3, 50],
    ] as const) {
      const a = smallSigned(rng, m * k, 20);
      const b = smallSigned(rng, k * cols, 20);
      const A = dealt(a, rng);
      const B = dealt(b, rng);
      const { semi, mal } = await bothModes((ctx, s) => matmul(ctx, A(s), B(s), m, k, cols));
      expect(mal).toEqual(semi);
      const want: bigint[] = [];
      for (let i = 0; i < m; i++) for (let j = 0; j < cols; j++) want.push(u(Array.from({ length: k }, (_, t) => a[i * k + t]! * b[t * cols + j]!).reduce((s, v) => s + v, 0n)));
      expect([...mal]).toEqual(want);
    }
  });

  it('truncation, mulFixed and matmulFixed stay within the share truncation bound (floor or one above)', async () => {
    const f = 16;
    const vals = [0.5, -1.25, 3.75, -7.5, 100.125, -0.001];
    const a = encodeFixed(vals, f);
    const b = encodeFixed([2, -3, 0.5, 1.5, -0.25, 4], f);
    const A = dealt(a, rng);
    const B = dealt(b, rng);
    const cases: [string, (ctx: ProtocolContext, s: PartyIndex) => Promise<ReplicatedShare>, bigint[]][] = [
      ['truncate', (ctx, s) => truncate(ctx, A(s), 4), [...a].map((v) => signed(v) >> 4n)],
      ['mulFixed', (ctx, s) => mulFixed(ctx, A(s), B(s)), [...a].map((v, i) => (signed(v) * signed(b[i]!)) >> BigInt(f))],
      ['matmulFixed', (ctx, s) => matmulFixed(ctx, A(s), B(s), 2, 3, 2), [0, 1].flatMap((i) => [0, 1].map((j) => [0, 1, 2].reduce((acc, t) => acc + signed(a[i * 3 + t]!) * signed(b[t * 2 + j]!), 0n) >> BigInt(f)))],
    ];
    for (const [name, body, floor] of cases) {
      const { semi, mal } = await bothModes(body);
      for (const got of [semi, mal]) {
        [...got].forEach((g, i) => {
          const diff = signed(g) - floor[i]!;
          expect(diff === 0n || diff === 1n, `${name}[${i}]: ${signed(g)} vs floor ${floor[i]}`).toBe(true);
        });
      }
    }
  });

  it('the wrap-corrected truncation is exact up to +1 for every |x| < 2^62, as semi-honest', async () => {
    const big = [(1n << 61n) + 12345n, -(1n << 61n) - 999n, (1n << 62n) - 1n, -(1n << 62n) + 1n, 0n, -1n, 77n];
    const v = new BigUint64Array(big.map(u));
    const V = dealt(v, rng);
    const { semi, mal } = await bothModes((ctx, s) => truncate(ctx.scope('t', { truncation: 'wrap-corrected' }), V(s), 16));
    for (const got of [semi, mal]) {
      [...got].forEach((g, i) => {
        const diff = signed(g) - (big[i]! >> 16n);
        expect(diff === 0n || diff === 1n, `[${i}]: ${signed(g)} vs floor ${big[i]! >> 16n}`).toBe(true);
      });
    }
  });

  it('the malicious truncation rounds to nearest exactly, for every signed 64-bit value and every shift', async () => {
    const edge = [0n, -1n, 1n, (1n << 63n) - 1n, -(1n << 63n), (1n << 62n) + 7n, -(1n << 62n) - 7n, 65535n, -65536n, -65537n, 12345678901n, -98765432109n];
    const random = [...rng.u64(20)].map(signed);
    const vals = [...edge, ...random];
    const V = dealt(new BigUint64Array(vals.map(u)), rng);
    for (const d of [1, 2, 8, 13, 16, 31, 32, 33, 47, 62, 63]) {
      const p = parties({ security: 'malicious' });
      const res = await p.run(async (ctx, self) => {
        const z = await truncate(ctx, V(self), d);
        await verifyJob(ctx);
        return open(ctx, z);
      });
      // round(v / 2^d) = floor((v + 2^(d-1)) / 2^d), the sum taken mod 2^64 as the ring does.
      expect([...res[0]!].map(signed), `d = ${d}`).toEqual(vals.map((v) => signed(u(v + (1n << BigInt(d - 1)))) >> BigInt(d)));
    }
  });

  it('ltz, equalZero, relu and argmax give the clear results, bit for bit as semi-honest', async () => {
    const edge = new BigUint64Array([0n, 1n, u(-1n), 1n << 62n, u(-(1n << 62n)), 5n, u(-5n), 0n, 1n << 63n, (1n << 63n) - 1n]);
    const E = dealt(edge, rng);
    const l = await bothModes((ctx, s) => ltz(ctx, E(s)));
    expect(l.mal).toEqual(l.semi);
    expect([...l.mal]).toEqual([...edge].map((v) => (signed(v) < 0n ? 1n : 0n)));
    const z = await bothModes((ctx, s) => equalZero(ctx, E(s)));
    expect(z.mal).toEqual(z.semi);
    expect([...z.mal]).toEqual([...edge].map((v) => (v === 0n ? 1n : 0n)));
    const r = await bothModes((ctx, s) => relu(ctx, X(s)));
    expect(r.mal).toEqual(r.semi);
    expect([...r.mal]).toEqual([...xs].map((v) => (signed(v) > 0n ? v : 0n)));
    const g = await bothModes(async (ctx, s) => (await argmax(ctx, X(s), 3, 4)).index);
    expect(g.mal).toEqual(g.semi);
  });

  it('a fixed-point pipeline decodes to the clear result', async () => {
    const f = 16;
    const vals = [0.75, -2.5, 1.125, 3];
    const A = dealt(encodeFixed(vals, f), rng);
    const { mal } = await bothModes(async (ctx, s) => relu(ctx, await mulFixed(ctx, A(s), A(s))));
    const got = decodeFixed(mal, f);
    vals.forEach((v, i) => expect(Math.abs(got[i]! - v * v)).toBeLessThan(2 ** -f * 2));
  });

  it('boolean protocols without a malicious version refuse instead of running semi-honestly', async () => {
    const p = parties({ security: 'malicious' });
    const res = await Promise.allSettled(p.contexts.map((ctx) => ltzBit(ctx, X(ctx.self))));
    for (const r of res) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(UnsupportedInMaliciousModeError);
    }
  });
});

/** The test job: products, a dot, a wide matmul, truncations and comparisons, then verifyJob and an open. */
function job(rng: Prg) {
  const f = 16;
  const x = encodeFixed([0.5, -1.5, 2.25, -3, 0.125, 4], f);
  const y = encodeFixed([1.5, 2, -0.75, 0.5, -2, 1], f);
  const w = smallSigned(rng, 2 * 45, 12);
  const X = dealt(x, rng);
  const Y = dealt(y, rng);
  const W = dealt(w, rng);
  const body = async (ctx: ProtocolContext, s: PartyIndex): Promise<BigUint64Array> => {
    const p = await mulFixed(ctx, X(s), Y(s));
    const d = await dot(ctx, X(s), Y(s), 3);
    const [m, neg] = await Promise.all([matmul(ctx, d, W(s), 1, 2, 45), ltz(ctx, p)]);
    const e = await equalZero(ctx, neg);
    const mid = await open(ctx, e);
    void mid;
    const r = await relu(ctx, await truncate(ctx.scope('wrap', { truncation: 'wrap-corrected' }), m, 8));
    const out = await mul(ctx, r, r);
    await verifyJob(ctx);
    return (await revealTo(ctx, out, 0)) ?? new BigUint64Array(0);
  };
  return body;
}

type Outcome = CheatingOutcome;

/** Runs the job with `cheater` applying `rules`; a party that fails is declared gone (the service aborts the job). */
const runCheating = (cheater: PartyIndex, rules: Perturbation[], seed: number): Promise<Outcome> => cheatingRun(parties, cheater, rules, seed, job(seeded('job')));

/** The same job on semi-honest contexts (the truncation is exact here: all values are far from a wrap). */
async function runSemiHonest(): Promise<BigUint64Array> {
  const body = job(seeded('job'));
  const p = parties();
  return (await p.run((ctx) => body(ctx, ctx.self)))[0];
}

/** Tags the cheater sends in an honest run, in order. */
async function sentTags(cheater: PartyIndex): Promise<string[]> {
  const tags: string[] = [];
  const p = parties({
    security: 'malicious',
    wrapChannel: (ch, self) => (self !== cheater ? ch : recordingChannel(ch, tags)),
  });
  const body = job(seeded('job'));
  await p.run((ctx) => body(ctx, ctx.self));
  return tags;
}

/**
 * What "caught" means: some honest party rejects with VerificationFailedError naming a set that
 * contains the cheater, and no honest party returns an output, with one exception that security
 * with abort allows: a lie in the verdict (the last round, after every check passed) can make one
 * honest party abort while the other releases the correct result (the service then fails the job,
 * since the client needs all three parties' signed shares).
 */
function expectCaught(o: Outcome, cheater: PartyIndex, what: string, verdictOnly: boolean, correct: BigUint64Array): void {
  expect(o.altered.length, `${what}: the perturbation was applied`).toBe(1);
  const honest = ([0, 1, 2] as PartyIndex[]).filter((q) => q !== cheater);
  let named = false;
  for (const h of honest) {
    const r = o.results[h]!;
    if (r.status === 'fulfilled') {
      // Party 0 is the output's target; the others return an empty vector.
      if (r.value.length > 0) {
        expect(verdictOnly, `${what}: honest party ${h} must not return the output`).toBe(true);
        expect(r.value, `${what}: honest party ${h}'s output`).toEqual(correct);
      }
      continue;
    }
    const e = r.reason;
    if (e instanceof VerificationFailedError) {
      expect(e.suspects, `${what}: party ${h}'s suspects`).toContain(cheater);
      named = true;
    }
  }
  expect(named, `${what}: an honest party names a set containing the cheater`).toBe(true);
}

/** The outputs of the honest parties that returned one (party 0 is the output's target). */
function honestOutputs(o: Outcome, cheater: PartyIndex): BigUint64Array[] {
  return o.results.filter((x, q) => q !== cheater && x.status === 'fulfilled' && x.value.length > 0).map((x) => (x as PromiseFulfilledResult<BigUint64Array>).value);
}

describe('malicious mode, one cheating party', () => {
  // The honest malicious run's output (what every honest output must equal), made once.
  let honest: Promise<BigUint64Array> | undefined;
  const correctOutput = (): Promise<BigUint64Array> =>
    (honest ??= runCheating(1, [], 1).then((o) => {
      expect(o.results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      return (o.results[0] as PromiseFulfilledResult<BigUint64Array>).value;
    }));

  it('the honest job opens the clear result', async () => {
    // The same job on semi-honest contexts (its truncations are exact here: no value is near a wrap).
    expect(await correctOutput()).toEqual(await runSemiHonest());
  });

  const kinds: [string, RegExp, boolean?][] = [
    ['mul reshare', /\/mul#\d+$/],
    ['dot reshare', /^dot#\d+$/],
    ['matmul reshare', /^matmul#\d+$/],
    ['truncation carry-save or generate AND', /trunc-mal#\d+\/and#\d+$/],
    ['truncation carry-tree AND', /trunc-mal#\d+\/(low-carry|carry-out)#\d+\/and#\d+$/],
    ['truncation B2A product', /trunc-mal#\d+\/(maj-bits|carry-bits)#\d+\/mul#\d+$/],
    ['ltz input consistency digest', /ltz-mal#\d+\/consistency#\d+$/, true],
    ['equalZero input consistency digest', /eqz-mal#\d+\/consistency#\d+$/, true],
    ['ltz carry-save AND', /ltz-mal#\d+\/and#1$/],
    ['ltz generate AND', /ltz-mal#\d+\/and#2$/],
    ['ltz carry-tree AND', /ltz-mal#\d+\/and#[3-8]$/],
    ['equalZero AND', /eqz-mal#\d+\/and#\d+$/],
    ['B2A product', /(ltz|eqz)-mal#\d+\/mul#\d+$/],
    ['AND triple reshare', /\/ands#\d+\/and-triples#\d+$/],
    ['AND open (cut-and-choose and bucket differences)', /\/ands#\d+\/and-open#\d+$/],
    ['AND zero-test digest', /\/ands#\d+\/and-zero-test#\d+$/, true],
    ['open value', /^open#\d+$/],
    ['reveal value', /^reveal#\d+$/],
    ['triple reshare', /\/triples#\d+$/],
    ['coin open', /\/coin#\d+$/],
    ['masked open', /\/masked-open#\d+$/],
    ['matrix-claim W', /\/matrix-proof#\d+\/w$/],
    ['matrix proof round message', /\/matrix-proof#\d+\/round\d+\/h$/],
    ['matrix proof challenge seed', /\/matrix-proof#\d+\/round\d+\/r$/],
    ['matrix proof last message', /\/matrix-proof#\d+\/last\/h$/],
    ['matrix proof revealed g(r)', /\/matrix-proof#\d+\/last\/g$/],
    ['matrix proof check digest', /\/matrix-proof#\d+\/last\/check$/, true],
    ['zero-test digest', /\/zero-test#\d+$/, true],
    ['verdict', /\/verdict#\d+$/, true],
    ['final claim list', /^verify-job#\d+\/verify#\d+\/claims#\d+$/, true],
  ];
  for (const [name, tag, flipByte] of kinds) {
    it(`an altered ${name} is caught, whichever party sends it`, async () => {
      let applied = 0;
      for (const cheater of [0, 1, 2] as PartyIndex[]) {
        const o = await runCheating(cheater, [{ tag, flipByte: flipByte ?? false, index: 1 }], cheater + 7);
        if (o.altered.length === 0) continue; // this party sends no such message (e.g. only party 0 inputs bits)
        applied++;
        expectCaught(o, cheater, `${name} by party ${cheater}`, name === 'verdict', await correctOutput());
      }
      expect(applied).toBeGreaterThan(0);
    });
  }

  const RUNS = Number(process.env.MPC_PERTURBATION_RUNS ?? 200);
  it(`randomized perturbations of any message of any party (${RUNS} runs): none undetected`, async () => {
    const tagsOf = await Promise.all(([0, 1, 2] as PartyIndex[]).map(sentTags));
    const correct = await correctOutput();
    const rng = seeded('perturbation-property');
    for (let r = 0; r < RUNS; r++) {
      const pick = rng.u64(4);
      const cheater = Number(pick[0]! % 3n) as PartyIndex;
      const tags = tagsOf[cheater]!;
      const i = Number(pick[1]! % BigInt(tags.length));
      const tag = tags[i]!;
      const occurrence = tags.slice(0, i).filter((t) => t === tag).length;
      const escaped = new RegExp(`^${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
      const delta = pick[2]! === 0n ? 1n : pick[2]!;
      const o = await runCheating(cheater, [{ tag: escaped, occurrence, index: Number(pick[3]! % 1024n), delta }], r);
      const what = `run ${r}: party ${cheater} alters ${tag} (occurrence ${occurrence}) by ${delta}`;
      // An intermediate list of claim ids only chooses which products a batch verifies (lists
      // legitimately differ while concurrent calls run); whatever it leaves out is verified by
      // the job's final batch, whose lists must agree. So it may change nothing: then every
      // honest party returns the verified, correct output: the honest run's with the same PRF
      // seeds (the share truncation rounds up or down depending on the shares).
      if (/^(?!verify-job).*\/claims#\d+$/.test(tag) && o.results.every((x, q) => q === cheater || x.status === 'fulfilled')) {
        const same = await runCheating(cheater, [], r);
        const want = (same.results[0] as PromiseFulfilledResult<BigUint64Array>).value;
        honestOutputs(o, cheater).forEach((v) => expect(v, what).toEqual(want));
        continue;
      }
      const verdict = /\/verdict#\d+$/.test(tag);
      // A verdict lie may let one honest party release: the output of the honest run with the same seeds.
      const want = verdict ? (((await runCheating(cheater, [], r)).results[0] as PromiseFulfilledResult<BigUint64Array>).value) : correct;
      expectCaught(o, cheater, what, verdict, want);
    }
  }, Math.max(300_000, RUNS * 2_000));
});
