/**
 * @module protocols/rss/malicious/verify-products
 * Batch verification of the product claims of a malicious-mode context
 * (docs/protocols-malicious.md, "The protocol"):
 *
 *   1. triples: random a, a', b in Z_2^128 (PRF, no messages); c = a∘b, c' = a'∘b by one
 *      replicated reshare in Z_2^128, for the elementwise and dot-product claims;
 *   2. coin: a random sharing opened with the digest check: t ∈ Z_2^64 and a seed;
 *   3. masked opens: rho = t·a - a' (Z_2^128), P = x - a, S = y - b (Z_2^64, a and b reduced);
 *      at the same time each party sends its W of the matrix claims (malicious/matrix-claim-proof);
 *   4. zero test: V = t·c - c' - rho∘b (the sacrifice, Z_2^128) and W = z - c - P∘b - a∘S - P∘S
 *      (the Beaver check, Z_2^64), with the `zero` claims and the matrix claims' W appended;
 *      party j sends SHA-256(-(its two components)) to both peers, who compare with their copy
 *      of the third; beside it, the matrix claims' distributed proofs
 *      (malicious/inner-product-proof), sublinear in the matrices' sizes.
 *
 * `verifyJob` adds the verdict round: a party returns only when both peers said their checks
 * passed, so an honest party that caught a deviation keeps the other honest party from
 * releasing anything.
 */
import { bytesEqual } from '../../../crypto-core/keys/byte-checks.js';
import { nextParty, prevParty, type PartyIndex } from '../../channel/channel.js';
import { Prg } from '../../../crypto-core/prg.js';
import { ring128For, type Ring128, type Vec128 } from '../../../crypto-core/ring/ring128.js';
import { u64ToBytes } from '../../wire.js';
import type { ProtocolContext } from '../context.js';
import { VerificationFailedError } from '../errors.js';
import { recvVector, sendVector } from '../exchange.js';
import { groupSums } from '../local-ops.js';
import { makeShare, type ReplicatedShare } from '../replicated-share.js';
import { digestZeroTest, openMissingComponent } from './digest-open.js';
import { proveInnerProducts } from './inner-product-proof.js';
import { exchangeW, matrixStatements } from './matrix-claim-proof.js';
import { keepZeroTest, type AndClaim, type ProductClaim } from './state.js';
import { andZeroTest, makeAndTriples, openAndDifferences, shuffleTriples, type AndWork } from './verify-ands.js';
import { concatWords, cutWords } from './word-vectors.js';
import { sha256 } from './transcript.js';

/** The Z_2^128 kernels that go with the context's ring backend. */
const R = (ctx: ProtocolContext): Ring128 => ring128For(ctx.ring);

/** A party's two components of a Z_2^128 sharing. */
interface Share128 {
  readonly a: Vec128;
  readonly b: Vec128;
}

/** An elementwise, dot-product or zero claim (matrix claims go to the proof, AND claims to malicious/verify-ands). */
type BeaverClaim = Exclude<ProductClaim, { kind: 'matmul' } | { kind: 'and' }>;

/** One claim with its triple and, after the opens, its public differences. */
interface Work {
  readonly claim: BeaverClaim;
  a?: Share128;
  a2?: Share128;
  b?: Share128;
  c?: Share128;
  c2?: Share128;
  rho?: Vec128;
  p?: BigUint64Array;
  s?: BigUint64Array;
}

function random128(ctx: ProtocolContext, label: string, n: number): Share128 {
  const r = R(ctx);
  const words = ctx.randomness.randomShare(label, 2 * n);
  return { a: r.fromWords(words.a), b: r.fromWords(words.b) };
}

/** The local terms x_i y_i + x_i y_{i+1} + x_{i+1} y_i of a product in Z_2^128. */
function localTerms128(ctx: ProtocolContext, w: Work, x: Share128, y: Share128): Vec128 {
  const r = R(ctx);
  const cl = w.claim;
  const g = cl.kind === 'hadamard' ? cl.group : 1;
  return r.groupSums(r.add(r.add(r.mul(x.a, y.a), r.mul(x.a, y.b)), r.mul(x.b, y.a)), g);
}

/** Subtracts a public vector from component 0 (party 0's `a`, party 2's `b`). */
function subPublic(ctx: ProtocolContext, a: BigUint64Array, b: BigUint64Array, c: BigUint64Array): [BigUint64Array, BigUint64Array] {
  if (ctx.self === 0) return [ctx.ring.sub(a, c), b];
  if (ctx.self === 2) return [a, ctx.ring.sub(b, c)];
  return [a, b];
}

function step1Triples(ctx: ProtocolContext, work: Work[], tag: string): Vec128[] {
  const local: Vec128[] = [];
  work.forEach((w, j) => {
    const cl = w.claim;
    if (cl.kind === 'zero') return;
    const len = cl.x.a.length;
    w.a = random128(ctx, `${tag}/${j}/a`, len);
    w.a2 = random128(ctx, `${tag}/${j}/a2`, len);
    w.b = random128(ctx, `${tag}/${j}/b`, len);
    local.push(localTerms128(ctx, w, w.a, w.b), localTerms128(ctx, w, w.a2, w.b));
  });
  return local;
}

/** Claims resolved, triples made: the reshare of every c and c' in one message. */
async function makeTriples(ctx: ProtocolContext, work: Work[]): Promise<void> {
  const r = R(ctx);
  const tag = ctx.nextTag('triples');
  const local = step1Triples(ctx, work, tag);
  const words = concatWords(local.map((v) => r.toWords(v)));
  const zero = r.sub(r.fromWords(ctx.randomness.sharedWithNext(`${tag}/zero`, words.length)), r.fromWords(ctx.randomness.sharedWithPrev(`${tag}/zero`, words.length)));
  const mine = r.toWords(r.add(r.fromWords(words), zero));
  const [, theirs] = await Promise.all([sendVector(ctx, prevParty(ctx.self), tag, mine), recvVector(ctx, nextParty(ctx.self), tag, mine.length)]);
  const lengths = local.map((v) => 2 * v.lo.length);
  const minePieces = cutWords(mine, lengths);
  const theirPieces = cutWords(theirs, lengths);
  let q = 0;
  for (const w of work) {
    if (w.claim.kind === 'zero') continue;
    w.c = { a: r.fromWords(minePieces[q]!), b: r.fromWords(theirPieces[q]!) };
    w.c2 = { a: r.fromWords(minePieces[q + 1]!), b: r.fromWords(theirPieces[q + 1]!) };
    q += 2;
  }
}

/** The coin: t and a PRG for the matrix claims' ψ and φ, from a digest-checked open of a random sharing. */
async function tossCoin(ctx: ProtocolContext): Promise<{ t: bigint; prg: Prg }> {
  const tag = ctx.nextTag('coin');
  const r = ctx.randomness.randomShare(tag, 4);
  const missing = await openMissingComponent(ctx, tag, r.a, r.b);
  const coin = ctx.ring.add(ctx.ring.add(r.a, r.b), missing);
  return { t: coin[0]!, prg: Prg.fromSeed(sha256(u64ToBytes(coin))) };
}

/** Opens rho, P and S of every claim in one digest-checked message. */
async function maskedOpens(ctx: ProtocolContext, work: Work[], t: bigint): Promise<void> {
  const r = R(ctx);
  const tag = ctx.nextTag('masked-open');
  const ring = ctx.ring;
  const partsA: BigUint64Array[] = [];
  const partsB: BigUint64Array[] = [];
  for (const w of work) {
    if (w.claim.kind === 'zero') continue;
    const x = w.claim.x;
    partsA.push(r.toWords(r.sub(r.scalarMul(w.a!.a, t), w.a2!.a)), ring.sub(x.a, w.a!.a.lo), ring.sub(w.claim.y.a, w.b!.a.lo));
    partsB.push(r.toWords(r.sub(r.scalarMul(w.a!.b, t), w.a2!.b)), ring.sub(x.b, w.a!.b.lo), ring.sub(w.claim.y.b, w.b!.b.lo));
  }
  const a = concatWords(partsA);
  const b = concatWords(partsB);
  const missing = await openMissingComponent(ctx, tag, a, b);
  const lengths = partsA.map((p) => p.length);
  const [pa, pb, pm] = [cutWords(a, lengths), cutWords(b, lengths), cutWords(missing, lengths)];
  let q = 0;
  for (const w of work) {
    if (w.claim.kind === 'zero') continue;
    w.rho = r.add(r.add(r.fromWords(pa[q]!), r.fromWords(pb[q]!)), r.fromWords(pm[q]!));
    w.p = ring.add(ring.add(pa[q + 1]!, pb[q + 1]!), pm[q + 1]!);
    w.s = ring.add(ring.add(pa[q + 2]!, pb[q + 2]!), pm[q + 2]!);
    q += 3;
  }
}

/** This party's components (a, b) of the Beaver values W and the sacrifice values V. */
function checkValues(ctx: ProtocolContext, work: Work[], t: bigint, extra: ReplicatedShare): { w: [BigUint64Array, BigUint64Array]; v: [Vec128, Vec128] } {
  const r = R(ctx);
  const ring = ctx.ring;
  const wa: BigUint64Array[] = [];
  const wb: BigUint64Array[] = [];
  const va: Vec128[] = [];
  const vb: Vec128[] = [];
  for (const w of work) {
    const cl = w.claim;
    if (cl.kind === 'zero') {
      wa.push(cl.w.a);
      wb.push(cl.w.b);
      continue;
    }
    const g = cl.group;
    const prod = (u: BigUint64Array, v: BigUint64Array): BigUint64Array => groupSums(ring, ring.mul(u, v), g);
    const rhoB = (v: Vec128): Vec128 => r.groupSums(r.mul(w.rho!, v), g);
    const sacrifice = (c: Vec128, c2: Vec128, b: Vec128): Vec128 => r.sub(r.sub(r.scalarMul(c, t), c2), rhoB(b));
    va.push(sacrifice(w.c!.a, w.c2!.a, w.b!.a));
    vb.push(sacrifice(w.c!.b, w.c2!.b, w.b!.b));
    const beaver = (z: BigUint64Array, c: Vec128, a: Vec128, b: Vec128): BigUint64Array =>
      ring.sub(ring.sub(ring.sub(z, c.lo), prod(w.p!, b.lo)), prod(a.lo, w.s!));
    const [ua, ub] = subPublic(ctx, beaver(cl.z.a, w.c!.a, w.a!.a, w.b!.a), beaver(cl.z.b, w.c!.b, w.a!.b, w.b!.b), prod(w.p!, w.s!));
    wa.push(ua);
    wb.push(ub);
  }
  wa.push(extra.a);
  wb.push(extra.b);
  const cat128 = (vs: Vec128[]): Vec128 => r.fromWords(concatWords(vs.map((v) => r.toWords(v))));
  return { w: [concatWords(wa), concatWords(wb)], v: [cat128(va), cat128(vb)] };
}

/** The zero test of W and V (see the module doc). */
async function zeroTest(ctx: ProtocolContext, work: Work[], t: bigint, extra: ReplicatedShare): Promise<void> {
  const r = R(ctx);
  const tag = ctx.nextTag('zero-test');
  const { w, v } = checkValues(ctx, work, t, extra);
  const mineA = concatWords([w[0], r.toWords(v[0])]);
  const mineB = concatWords([w[1], r.toWords(v[1])]);
  keepZeroTest(ctx.malicious!, tag, { a: mineA, b: mineB });
  // -(x_i + x_{i+1}) is, for a sharing of zero, the third component x_{i-1}.
  const third = concatWords([ctx.ring.neg(ctx.ring.add(w[0], w[1])), r.toWords(r.neg(r.add(v[0], v[1])))]);
  await digestZeroTest(ctx, tag, mineA, mineB, third, 'product', 'a reshare, truncation or input value was not what the protocol computes');
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Step 0: the claims to verify now. Concurrent calls register their products at each party in
 * message-arrival order, so at the same program point the parties may hold different pending
 * sets; each sends its list of claim ids to both peers and the batch is the ids all three
 * hold, sorted. Every claim an opened value depends on is in it (a party reaches the open only
 * after computing the value); the others stay pending for a later batch. `final` (the end of
 * the job, when every party has registered everything): the three lists must be equal.
 * @throws VerificationFailedError (check `claims`) when a final list differs.
 */
async function agreeOnClaims(ctx: ProtocolContext, final: boolean): Promise<string[]> {
  const st = ctx.malicious!;
  const mine = [...st.pending.keys()].sort();
  const tag = ctx.nextTag('claims');
  const next = nextParty(ctx.self);
  const prev = prevParty(ctx.self);
  const list = enc.encode(mine.join('\n'));
  const [, , fromNext, fromPrev] = await Promise.all([ctx.channel.send(next, tag, list), ctx.channel.send(prev, tag, list), ctx.channel.recv(next, tag), ctx.channel.recv(prev, tag)]);
  const theirs = [fromNext, fromPrev].map((b) => new Set(b.length === 0 ? [] : dec.decode(b).split('\n')));
  const common = mine.filter((id) => theirs.every((s) => s.has(id)));
  if (final) {
    const differ = [next, prev].filter((_, k) => theirs[k]!.size !== mine.length || common.length !== mine.length);
    if (differ.length > 0) {
      throw new VerificationFailedError(`${tag}: at the end of the job party ${differ.join(' and ')} listed other products than party ${ctx.self}`, { step: tag, check: 'claims', suspects: differ });
    }
  }
  // A party that sent its peers different lists would make them verify different batches:
  // they compare the batch's digest before using any of it.
  const batchTag = ctx.nextTag('batch');
  const digest = sha256(enc.encode(common.join('\n')));
  const [, , dNext, dPrev] = await Promise.all([ctx.channel.send(next, batchTag, digest), ctx.channel.send(prev, batchTag, digest), ctx.channel.recv(next, batchTag), ctx.channel.recv(prev, batchTag)]);
  const differ = [next, prev].filter((_, k) => !bytesEqual([dNext, dPrev][k]!, digest));
  if (differ.length > 0) {
    throw new VerificationFailedError(`${batchTag}: party ${differ.join(' and ')} chose another batch of products than party ${ctx.self} (its lists to the two peers differed)`, { step: batchTag, check: 'claims', suspects: [next, prev] });
  }
  return common;
}

/**
 * AND claims per bucket check, at most: 2^17 words (2^23 gates, B = 4, shuffled as words from
 * 2^12 words on: malicious/verify-ands; ~50 MB of triples per group).
 */
const AND_GROUP_WORDS = 1 << 17;

/** The batch's AND claims in order, cut into groups of at most {@link AND_GROUP_WORDS} words (a larger claim alone). */
function andGroups(ands: readonly AndClaim[]): AndClaim[][] {
  const groups: AndClaim[][] = [];
  let words = Infinity;
  for (const c of ands) {
    if (words + c.x.a.length > AND_GROUP_WORDS) {
      groups.push([]);
      words = 0;
    }
    groups[groups.length - 1]!.push(c);
    words += c.x.a.length;
  }
  return groups;
}

/**
 * Waits for all of `checks`; rethrows a failed check's VerificationFailedError in preference to
 * other errors (a peer that aborted on its own finding closes the channel under the other check).
 */
async function firstFailure(checks: readonly Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(checks);
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  if (failures.length > 0) throw failures.find((e) => e instanceof VerificationFailedError) ?? failures[0];
}

/**
 * Verifies the claims registered so far on `parent`'s job that all three parties hold (no-op
 * on a semi-honest context). Takes its scope synchronously, so call it where the three parties
 * are at the same point of the program (every open and reveal does).
 * @throws VerificationFailedError when a check fails.
 */
export function verifyPending(parent: ProtocolContext, final = false): Promise<void> {
  const st = parent.malicious;
  if (st === undefined) return Promise.resolve();
  const ctx = parent.scope('verify');
  return (async () => {
    const ids = await agreeOnClaims(ctx, final);
    if (ids.length === 0) return;
    const claims = ids.map((id) => st.pending.get(id)!);
    for (const id of ids) st.pending.delete(id);
    const resolved = await Promise.all(claims);
    const work: Work[] = resolved.filter((c): c is BeaverClaim => c.kind !== 'matmul' && c.kind !== 'and').map((claim) => ({ claim }));
    const matrices = resolved.filter((c) => c.kind === 'matmul');
    const ands = resolved.filter((c): c is AndClaim => c.kind === 'and');
    // The AND check runs on its own scope beside the arithmetic one (its steps interleave with
    // the arithmetic steps in message-arrival order, so it must not draw tags from ctx).
    // Large batches are cut into groups of at most AND_GROUP_WORDS words, each with its own
    // triples, shuffle and bucket check (bounded memory; each group counts as a batch in the bound).
    const groups = andGroups(ands);
    const andCtxs = groups.map(() => ctx.scope('ands'));
    // Every z is fixed (resolved and sent) before the coin that draws t, ψ, φ and the AND shuffle.
    const [, andWorks] = await Promise.all([makeTriples(ctx, work), Promise.all(groups.map((g, k) => makeAndTriples(andCtxs[k]!, g)))]);
    const { t, prg } = await tossCoin(ctx);
    const andCheck = async (w: AndWork, k: number): Promise<void> => {
      shuffleTriples(w, prg.fork(`and-shuffle/${k}`), ctx.ring);
      await andZeroTest(andCtxs[k]!, w, await openAndDifferences(andCtxs[k]!, w));
    };
    const andChecks = andWorks.map((w, k) => andCheck(w, k));
    if (matrices.length === 0) {
      await firstFailure([
        (async () => {
          await maskedOpens(ctx, work, t);
          await zeroTest(ctx, work, t, makeShare(new BigUint64Array(0), new BigUint64Array(0)));
        })(),
        ...andChecks,
      ]);
      return;
    }
    const proofTag = ctx.nextTag('matrix-proof');
    const statements = matrixStatements(ctx, proofTag, matrices, prg);
    const arithmetic = (async () => {
      const [, wNext] = await Promise.all([maskedOpens(ctx, work, t), exchangeW(ctx, proofTag, statements.w)]);
      await firstFailure([zeroTest(ctx, work, t, makeShare(statements.w, wNext)), proveInnerProducts(ctx, proofTag, statements.length, statements.roles(wNext))]);
    })();
    await firstFailure([arithmetic, ...andChecks]);
  })();
}

/**
 * The end-of-job check: verifies what is pending, then the verdict round. A job calls it
 * before releasing any output share; it resolves only when this party's checks passed and
 * both peers said theirs did.
 * @throws VerificationFailedError (its own failing check, or `verdict` when a peer failed).
 */
export function verifyJob(parent: ProtocolContext): Promise<void> {
  if (parent.security !== 'malicious') return Promise.resolve();
  const ctx = parent.scope('verify-job');
  const pending = verifyPending(ctx, true);
  return (async () => {
    let failure: unknown;
    try {
      await pending;
    } catch (e) {
      failure = e;
    }
    const tag = ctx.nextTag('verdict');
    const peers: PartyIndex[] = [prevParty(ctx.self), nextParty(ctx.self)];
    const mine = new Uint8Array([failure === undefined ? 1 : 0]);
    const sent = Promise.all(peers.map((p) => ctx.channel.send(p, tag, mine)));
    if (failure !== undefined) {
      await sent.catch(() => undefined);
      throw failure;
    }
    const [, said] = await Promise.all([sent, Promise.all(peers.map((p) => ctx.channel.recv(p, tag)))]);
    const failed = peers.filter((_, k) => said[k]!.length !== 1 || said[k]![0] !== 1);
    if (failed.length > 0) {
      throw new VerificationFailedError(`${tag}: party ${failed.join(' and ')} reported a failed check; party ${ctx.self} releases nothing`, { step: tag, check: 'verdict', suspects: peers });
    }
  })();
}
