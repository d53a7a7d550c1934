/**
 * @module protocols/rss/malicious/guard
 * Protocols without a malicious-secure version refuse a malicious context instead of running
 * semi-honestly on it (docs/protocols-malicious.md, "What remains").
 */
import type { ProtocolContext } from '../context.js';
import { UnsupportedInMaliciousModeError } from '../errors.js';

/** @throws UnsupportedInMaliciousModeError on a malicious context. */
export function requireSemiHonest(ctx: ProtocolContext, protocol: string): void {
  if (ctx.security === 'malicious') throw new UnsupportedInMaliciousModeError(protocol);
}
