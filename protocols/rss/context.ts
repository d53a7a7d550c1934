/**
 * @module protocols/rss/context
 * The `ProtocolContext` every protocol function takes: the party's channel, the ring backend,
 * its correlated-randomness provider, the fixed-point precision, and a step counter that gives
 * each protocol call a unique tag. The three parties run the same sequence of protocol calls,
 * so their counters agree and tags line up without negotiation; the same tag keys the PRF draws
 * of that step.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { DEFAULT_FRACTION_BITS, getRing } from '../../crypto-core/ring/index.js';
import type { Ring64 } from '../../crypto-core/ring/index.js';
import type { Channel, PartyIndex } from '../channel/channel.js';
import type { CorrelatedRandomness } from './correlated-randomness.js';

/** Everything a protocol step needs; one per party per job. */
export interface ProtocolContext {
  /** The transport to the two peers. */
  readonly channel: Channel;
  /** This party's index (equals `channel.self`). */
  readonly self: PartyIndex;
  /** Ring backend for the local work (native or TypeScript). */
  readonly ring: Ring64;
  /** Correlated randomness keyed by step tags. */
  readonly randomness: CorrelatedRandomness;
  /** Fractional bits f of the fixed-point encoding used by `truncate` / `mulFixed`. */
  readonly fractionBits: number;
  /** A fresh tag `step#k` for the next protocol call (k counts calls on this context). */
  nextTag(step: string): string;
  /**
   * A child context for one composite protocol call: it takes one tag from this context now
   * (synchronously) and numbers its own steps under it (`parent/step#k`). A composite that
   * awaits between steps must run its steps on a scope: otherwise two such calls running
   * concurrently (Promise.all) would draw tags in message-arrival order, which can differ
   * between parties, and the parties' tags would no longer line up.
   */
  scope(step: string): ProtocolContext;
}

/** Parameters of {@link createProtocolContext}. */
export interface ProtocolContextOptions {
  readonly channel: Channel;
  readonly randomness: CorrelatedRandomness;
  /** Defaults to `getRing()` (native when available). */
  readonly ring?: Ring64;
  /** Defaults to `DEFAULT_FRACTION_BITS` (16). */
  readonly fractionBits?: number;
}

/**
 * A context for one party.
 * @throws InvalidArgumentError when the randomness serves another party than the channel, or
 *   `fractionBits` is not an integer in 0..62.
 */
export function createProtocolContext(opts: ProtocolContextOptions): ProtocolContext {
  const { channel, randomness } = opts;
  if (channel === null || typeof channel !== 'object') throw new InvalidArgumentError('channel: expected a Channel');
  if (randomness === null || typeof randomness !== 'object') throw new InvalidArgumentError('randomness: expected a CorrelatedRandomness');
  if (randomness.self !== channel.self) {
    throw new InvalidArgumentError(`randomness: serves party ${randomness.self}, channel belongs to party ${channel.self}`);
  }
  const f = opts.fractionBits ?? DEFAULT_FRACTION_BITS;
  if (!Number.isInteger(f) || f < 0 || f > 62) throw new InvalidArgumentError(`fractionBits: expected integer in 0..62, got ${String(f)}`);
  const ring = opts.ring ?? getRing();
  return scoped({ channel, self: channel.self, ring, randomness, fractionBits: f }, '');
}

type ContextBase = Omit<ProtocolContext, 'nextTag' | 'scope'>;

/** A context whose tags are `prefix` + `step#k` with its own counter k. */
function scoped(base: ContextBase, prefix: string): ProtocolContext {
  let counter = 0;
  const ctx: ProtocolContext = Object.freeze({
    ...base,
    nextTag(step: string): string {
      if (typeof step !== 'string' || step.length === 0) throw new InvalidArgumentError('step: expected non-empty string');
      return `${prefix}${step}#${counter++}`;
    },
    scope(step: string): ProtocolContext {
      return scoped(base, `${ctx.nextTag(step)}/`);
    },
  });
  return ctx;
}
