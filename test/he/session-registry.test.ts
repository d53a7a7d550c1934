/**
 * The session registry of the HE worker: LRU eviction by count and by bytes, idle expiry with
 * a distinct error, and argument checks. Uses synthetic key bundles (sizes only matter here).
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { DEFAULT_CKKS_PARAMS } from '../../crypto-core/he/ckks-params.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { HeSessionExpiredError, HeSessionLimitError, HeUnknownSessionError } from '../../services/he-worker/errors.js';
import { SessionRegistry } from '../../services/he-worker/session-registry.js';

function bundle(bytes: number): EvalKeyBundle {
  return { params: DEFAULT_CKKS_PARAMS, publicKey: new Uint8Array(0), relinKeys: new Uint8Array(bytes), galoisKeys: new Uint8Array(0), galoisSteps: [] };
}

describe('SessionRegistry', () => {
  it('evicts the least recently used session when the count limit is reached', () => {
    const removed: string[] = [];
    const reg = new SessionRegistry({ maxSessions: 2, onRemove: (id, why) => removed.push(`${id}:${why}`) });
    reg.register(bundle(10), 'a');
    reg.register(bundle(10), 'b');
    reg.get('a'); // a is now more recent than b
    reg.register(bundle(10), 'c');
    expect(removed).toEqual(['b:evicted']);
    expect(() => reg.get('b')).toThrow(HeUnknownSessionError);
    expect(reg.get('a').relinKeys.length).toBe(10);
    expect(reg.size).toBe(2);
  });

  it('evicts until the byte budget holds, and refuses a bundle larger than the budget', () => {
    const reg = new SessionRegistry({ maxTotalBytes: 100 });
    reg.register(bundle(40), 'a');
    reg.register(bundle(40), 'b');
    reg.register(bundle(50), 'c');
    expect(reg.has('a')).toBe(false);
    expect(reg.has('b') && reg.has('c')).toBe(true);
    expect(reg.totalBytes).toBe(90);
    expect(() => reg.register(bundle(101), 'd')).toThrow(HeSessionLimitError);
  });

  it('expires idle sessions with a distinct error, and re-registration revives the id', () => {
    let now = 1000;
    const removed: string[] = [];
    const reg = new SessionRegistry({ ttlMs: 500, now: () => now, onRemove: (id, why) => removed.push(`${id}:${why}`) });
    const id = reg.register(bundle(1));
    now += 400;
    reg.get(id); // use resets the idle timer
    now += 400;
    expect(reg.get(id).relinKeys.length).toBe(1);
    now += 501;
    expect(() => reg.get(id)).toThrow(HeSessionExpiredError);
    expect(() => reg.get(id)).toThrow(/expired/);
    expect(removed).toEqual([`${id}:expired`]);
    reg.register(bundle(2), id);
    expect(reg.get(id).relinKeys.length).toBe(2);
    expect(() => reg.get('never-seen')).toThrow(/no such session/);
  });

  it('checks its arguments', () => {
    expect(() => new SessionRegistry({ maxSessions: 0 })).toThrow(/maxSessions: expected a positive number/);
    expect(() => new SessionRegistry({ ttlMs: NaN })).toThrow(InvalidArgumentError);
    const reg = new SessionRegistry();
    expect(() => reg.register(bundle(1), '')).toThrow(/sessionId: expected a string/);
    expect(reg.drop('nothing')).toBe(false);
  });
});
