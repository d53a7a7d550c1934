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
import { createMaliciousState, type MaliciousState } from './malicious/state.js';

/**
 * `semi-honest` (the default): messages are trusted, only opens compare the two copies of a
 * component. `malicious`: security with abort (docs/protocols-malicious.md): every product is
 * recorded and verified in batch, opens are digest-checked, and `verifyJob` must pass before any
 * output share leaves the party.
 */
export type SecurityMode = 'semi-honest' | 'malicious';

/**
 * How `truncate`, `mulFixed` and `matmulFixed` truncate: `probabilistic` is the two-halves share
 * truncation (a big error with probability |x| / 2^64 per value); `wrap-corrected` adds the
 * exact wrap bit (rss/truncate-wrap: never a big error for |x| < 2^62, same rounds, more bytes).
 */
export type TruncationMode = 'probabilistic' | 'wrap-corrected';

/** Options of {@link ProtocolContext.scope}. */
export interface ScopeOptions {
  /** The truncation used under this scope (default: the parent's). */
  readonly truncation?: TruncationMode;
}

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
  /** See {@link TruncationMode}; absent means `probabilistic`. */
  readonly truncation?: TruncationMode;
  /** See {@link SecurityMode}; the same for every scope of a job. */
  readonly security: SecurityMode;
  /** The job's claim log, transcript and evidence (malicious mode only; shared by all scopes). */
  readonly malicious?: MaliciousState;
  /** A fresh tag `step#k` for the next protocol call (k counts calls on this context). */
  nextTag(step: string): string;
  /**
   * A child context for one composite protocol call: it takes one tag from this context now
   * (synchronously) and numbers its own steps under it (`parent/step#k`). A composite that
   * awaits between steps must run its steps on a scope: otherwise two such calls running
   * concurrently (Promise.all) would draw tags in message-arrival order, which can differ
   * between parties, and the parties' tags would no longer line up. `opts.truncation` switches
   * the truncation for everything run on the child (all parties must pass the same).
   */
  scope(step: string, opts?: ScopeOptions): ProtocolContext;
}

/** Parameters of {@link createProtocolContext}. */
export interface ProtocolContextOptions {
  readonly channel: Channel;
  readonly randomness: CorrelatedRandomness;
  /** Defaults to `getRing()` (native when available). */
  readonly ring?: Ring64;
  /** Defaults to `DEFAULT_FRACTION_BITS` (16). */
  readonly fractionBits?: number;
  /** Defaults to `semi-honest`. */
  readonly security?: SecurityMode;
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
  const security = opts.security ?? 'semi-honest';
  if (security !== 'semi-honest' && security !== 'malicious') {
    throw new InvalidArgumentError(`security: expected 'semi-honest' or 'malicious', got ${JSON.stringify(security)}`);
  }
  if (security === 'semi-honest') return scoped({ channel, self: channel.self, ring, randomness, fractionBits: f, security }, '');
  // Malicious mode records every message it sends and receives (digests) for the evidence.
  const malicious = createMaliciousState(channel);
  return scoped({ channel: malicious.transcript, self: channel.self, ring, randomness, fractionBits: f, security, malicious }, '');
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
    scope(step: string, opts?: ScopeOptions): ProtocolContext {
      const mode = opts?.truncation;
      if (mode !== undefined && mode !== 'probabilistic' && mode !== 'wrap-corrected') {
        throw new InvalidArgumentError(`opts.truncation: expected 'probabilistic' or 'wrap-corrected', got ${JSON.stringify(mode)}`);
      }
      return scoped(mode === undefined ? base : { ...base, truncation: mode }, `${ctx.nextTag(step)}/`);
    },
  });
  return ctx;
}
