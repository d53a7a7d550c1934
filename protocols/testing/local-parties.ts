/**
 * @module protocols/testing/local-parties
 * Three parties in one process over the in-memory network, for tests, benchmarks and local
 * simulation of any protocol built on this layer: consistent PRF seeds, a context per party,
 * and a runner that executes the same protocol body at all three concurrently.
 */
import { Prg } from '../../crypto-core/prg.js';
import { getRing, type Ring64 } from '../../crypto-core/ring/index.js';
import type { Channel, PartyIndex } from '../channel/channel.js';
import { createMemoryNetwork, type MemoryNetwork } from './memory-channel.js';
import { createProtocolContext, type ProtocolContext, type SecurityMode } from '../rss/context.js';
import { createCorrelatedRandomness, generateSeedTriple } from '../rss/correlated-randomness.js';

/** Options of {@link createLocalParties}. */
export interface LocalPartiesOptions {
  /** Ring backend of all three contexts (default `getRing()`). */
  readonly ring?: Ring64;
  readonly fractionBits?: number;
  /** Source of the PRF seeds (seed it for reproducible runs). */
  readonly rng?: Prg;
  readonly recvTimeoutMs?: number;
  /** Pseudo-random per-message delay bound of the network (see `MemoryNetworkOptions`). */
  readonly maxDelayMs?: number;
  readonly delaySeed?: number;
  readonly jobId?: string;
  /** Security mode of all three contexts (default `semi-honest`). */
  readonly security?: SecurityMode;
  /** Wraps a party's channel (tests: a cheating party, protocols/testing/perturbing-channel). */
  readonly wrapChannel?: (channel: Channel, self: PartyIndex) => Channel;
}

/** Three contexts linked by one in-memory network. */
export interface LocalParties {
  readonly network: MemoryNetwork;
  readonly contexts: readonly [ProtocolContext, ProtocolContext, ProtocolContext];
  /** Runs `body` at all three parties concurrently and returns their results in party order. */
  run<T>(body: (ctx: ProtocolContext, self: PartyIndex) => Promise<T>): Promise<[T, T, T]>;
}

/** Sets up three parties in this process. */
export function createLocalParties(opts: LocalPartiesOptions = {}): LocalParties {
  const network = createMemoryNetwork(opts.jobId ?? 'local-job', {
    ...(opts.recvTimeoutMs === undefined ? {} : { recvTimeoutMs: opts.recvTimeoutMs }),
    ...(opts.maxDelayMs === undefined ? {} : { maxDelayMs: opts.maxDelayMs }),
    ...(opts.delaySeed === undefined ? {} : { delaySeed: opts.delaySeed }),
  });
  const seeds = generateSeedTriple(opts.rng ?? Prg.random());
  const contexts = [0, 1, 2].map((i) =>
    createProtocolContext({
      channel: opts.wrapChannel === undefined ? network.channels[i]! : opts.wrapChannel(network.channels[i]!, i as PartyIndex),
      randomness: createCorrelatedRandomness(i as PartyIndex, seeds[i]!, opts.ring ?? getRing()),
      ...(opts.ring === undefined ? {} : { ring: opts.ring }),
      ...(opts.fractionBits === undefined ? {} : { fractionBits: opts.fractionBits }),
      ...(opts.security === undefined ? {} : { security: opts.security }),
    }),
  ) as [ProtocolContext, ProtocolContext, ProtocolContext];
  return {
    network,
    contexts,
    run<T>(body: (ctx: ProtocolContext, self: PartyIndex) => Promise<T>): Promise<[T, T, T]> {
      return Promise.all(contexts.map((c) => body(c, c.self))) as Promise<[T, T, T]>;
    },
  };
}
