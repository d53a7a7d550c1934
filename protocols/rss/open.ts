/**
 * @module protocols/rss/open
 * Opening a shared value among the parties, or towards one of them.
 *
 * Party i holds (x_i, x_{i+1}) and misses x_{i-1}, which party i-1 holds as `a` and party i+1
 * holds as `b`. Unchecked open: party i sends `a` to party i+1 (1 round, 8n bytes per party).
 * Checked open (the default, ARCHITECTURE.md "every reveal is checked"): party i also sends `b`
 * to party i-1, so each party gets its missing component from both holders and compares them
 * (still 1 round, 16n bytes per party). A single party that lies about its shares makes the
 * comparison fail at an honest party; the receiver cannot tell which of the two senders lied,
 * so the error names both.
 */
import { nextParty, prevParty, type PartyIndex } from '../channel/channel.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { ProtocolContext } from './context.js';
import { InconsistentShareError } from './errors.js';
import { recvVector, sendVector } from './exchange.js';
import { checkShare, type ReplicatedShare } from './replicated-share.js';
import { openMissingComponent, revealMissingComponent } from './malicious/digest-open.js';
import { verifyPending } from './malicious/verify-products.js';

/** Options of {@link open} and {@link revealTo}. */
export interface OpenOptions {
  /**
   * Receive the missing component from both holders and compare (default true). Malicious
   * contexts always check (by digest, after verifying every pending product) and ignore this.
   */
  readonly checked?: boolean;
  /**
   * Malicious contexts: verify every product registered so far, and abort unless the three
   * parties list the same ones (as at the end of a job). For opens whose value decides what
   * the job does next (a disclosure decision), at a point where no other protocol call of the
   * job is still running; a default open verifies only the products all three list, which a
   * cheater can shrink by leaving some out (they are then verified by the job's final check).
   */
  readonly allProducts?: boolean;
}

function compare(ctx: ProtocolContext, fromPrev: BigUint64Array, fromNext: BigUint64Array, tag: string): void {
  for (let t = 0; t < fromPrev.length; t++) {
    if (fromPrev[t] !== fromNext[t]) {
      const p = prevParty(ctx.self);
      const q = nextParty(ctx.self);
      const missing = p; // party i misses x_{i-1}
      throw new InconsistentShareError(
        `${tag}: party ${ctx.self} got two different copies of component x${missing} (element ${t}) from parties ${p} and ${q}; one of them altered its shares`,
        { suspects: [p, q].sort((u, v) => u - v) as PartyIndex[], components: [missing] },
      );
    }
  }
}

function sumOf(ctx: ProtocolContext, x: ReplicatedShare, missing: BigUint64Array): BigUint64Array {
  return ctx.ring.add(ctx.ring.add(x.a, x.b), missing);
}

/**
 * Opens [x] to all three parties: x = x_i + x_{i+1} + x_{i-1}.
 * @throws InconsistentShareError (checked mode) when the two copies of the missing component differ.
 */
export async function open(ctx: ProtocolContext, x: ReplicatedShare, opts: OpenOptions = {}): Promise<BigUint64Array> {
  const n = checkShare('x', x);
  if (ctx.security === 'malicious') {
    const tag = ctx.nextTag('open');
    // No opened value may depend on an unverified product.
    const verified = verifyPending(ctx, opts.allProducts === true);
    return verified.then(async () => sumOf(ctx, x, await openMissingComponent(ctx, tag, x.a, x.b)));
  }
  const checked = opts.checked ?? true;
  const tag = ctx.nextTag(checked ? 'open' : 'open-unchecked');
  const next = nextParty(ctx.self);
  const prev = prevParty(ctx.self);
  const sends = [sendVector(ctx, next, tag, x.a)];
  if (checked) sends.push(sendVector(ctx, prev, tag, x.b));
  const recvs = [recvVector(ctx, prev, tag, n)];
  if (checked) recvs.push(recvVector(ctx, next, tag, n));
  const [, got] = await Promise.all([Promise.all(sends), Promise.all(recvs)]);
  if (checked) compare(ctx, got[0]!, got[1]!, tag);
  return sumOf(ctx, x, got[0]!);
}

/**
 * Reveals [x] to party `target` only: party target-1 sends its `a` (= x_{target-1}) and, when
 * checked, party target+1 sends its `b` (the same component). 1 round; 8n bytes from each sender.
 * @returns the value at `target`, `undefined` at the other parties.
 * @throws InconsistentShareError at the target when the two copies differ.
 */
export async function revealTo(ctx: ProtocolContext, x: ReplicatedShare, target: PartyIndex, opts: OpenOptions = {}): Promise<BigUint64Array | undefined> {
  const n = checkShare('x', x);
  if (target !== 0 && target !== 1 && target !== 2) throw new InvalidArgumentError(`target: expected party index 0, 1 or 2, got ${String(target)}`);
  if (ctx.security === 'malicious') {
    const tag = ctx.nextTag('reveal');
    const verified = verifyPending(ctx);
    return verified.then(async () => {
      const missing = await revealMissingComponent(ctx, tag, x.a, x.b, target);
      return missing === undefined ? undefined : sumOf(ctx, x, missing);
    });
  }
  const checked = opts.checked ?? true;
  const tag = ctx.nextTag(checked ? 'reveal' : 'reveal-unchecked');
  if (ctx.self === prevParty(target)) {
    await sendVector(ctx, target, tag, x.a);
    return undefined;
  }
  if (ctx.self === nextParty(target)) {
    if (checked) await sendVector(ctx, target, tag, x.b);
    return undefined;
  }
  const fromPrev = recvVector(ctx, prevParty(target), tag, n);
  const fromNext = checked ? recvVector(ctx, nextParty(target), tag, n) : undefined;
  const [p, q] = await Promise.all([fromPrev, fromNext]);
  if (q !== undefined) compare(ctx, p, q, tag);
  return sumOf(ctx, x, p);
}
