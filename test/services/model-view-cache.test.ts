import { describe, expect, it } from 'vitest';
import { ModelViewCache } from '../../services/party/model-view-cache.js';
import type { SharedModel } from '../../protocols/nn/shared-model.js';

const view = (tag: number): SharedModel => ({ fractionBits: tag, inputShape: [1], outputShape: [1], layers: [] });

describe('ModelViewCache', () => {
  it('serves what was stored and replaces a re-published id', () => {
    const c = new ModelViewCache(100);
    c.set('m', view(1), 10);
    expect(c.get('m')?.fractionBits).toBe(1);
    c.set('m', view(2), 10);
    expect(c.get('m')?.fractionBits).toBe(2);
    c.delete('m');
    expect(c.get('m')).toBeUndefined();
  });
  it('drops the least recently used views beyond its byte bound', () => {
    const c = new ModelViewCache(30);
    c.set('a', view(1), 10);
    c.set('b', view(2), 10);
    c.set('c', view(3), 10);
    c.get('a'); // a is now the most recent
    c.set('d', view(4), 10);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')?.fractionBits).toBe(1);
    expect(c.get('c')?.fractionBits).toBe(3);
    expect(c.get('d')?.fractionBits).toBe(4);
  });
  it('does not keep a view larger than the whole bound', () => {
    const c = new ModelViewCache(5);
    c.set('big', view(1), 6);
    expect(c.get('big')).toBeUndefined();
  });
});
