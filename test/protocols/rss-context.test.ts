import { describe, expect, it } from 'vitest';
import { createProtocolContext } from '../../protocols/rss/context.js';
import { createCorrelatedRandomness, generateSeedTriple } from '../../protocols/rss/correlated-randomness.js';
import { createMemoryNetwork } from '../../protocols/testing/memory-channel.js';
import { tsRing } from '../../crypto-core/ring/index.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { seeded } from './helpers.js';

describe('ProtocolContext', () => {
  const net = createMemoryNetwork('ctx-job');
  const seeds = generateSeedTriple(seeded('ctx'));

  it('numbers tags per context and nests scopes under one parent tag', () => {
    const ctx = createProtocolContext({ channel: net.channels[1], randomness: createCorrelatedRandomness(1, seeds[1]), ring: tsRing });
    expect(ctx.self).toBe(1);
    expect(ctx.fractionBits).toBe(16);
    expect(ctx.nextTag('mul')).toBe('mul#0');
    const inner = ctx.scope('ltz');
    expect(ctx.nextTag('open')).toBe('open#2'); // the scope took tag #1 synchronously
    expect(inner.nextTag('and')).toBe('ltz#1/and#0');
    expect(inner.scope('a2b').nextTag('and')).toBe('ltz#1/a2b#1/and#0');
    expect(inner.ring).toBe(tsRing);
  });

  it('rejects mismatched randomness and bad precision naming the parameter', () => {
    expect(() => createProtocolContext({ channel: net.channels[0], randomness: createCorrelatedRandomness(1, seeds[1]) })).toThrow(/randomness/);
    expect(() => createProtocolContext({ channel: net.channels[0], randomness: createCorrelatedRandomness(0, seeds[0]), fractionBits: 70 })).toThrow(
      InvalidArgumentError,
    );
    const ctx = createProtocolContext({ channel: net.channels[0], randomness: createCorrelatedRandomness(0, seeds[0]), ring: tsRing });
    expect(() => ctx.nextTag('')).toThrow(/step/);
  });
});
