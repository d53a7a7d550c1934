/**
 * RFC 8785 (JSON Canonicalization Scheme): the examples of sections 3.2.2 and 3.2.3 and number
 * cases of appendix B, through crypto-core/canonical-json.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonBytes } from '../../crypto-core/canonical-json.js';

describe('RFC 8785 canonical JSON', () => {
  it('section 3.2.2 example: whitespace, numbers, string escapes, member order', () => {
    const input = JSON.parse(
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}',
    ) as unknown;
    expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('section 3.2.3 example: members sorted by UTF-16 code units', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    // Read the values in text order (JSON.parse would move the integer-like key "1" first).
    const values = [...canonicalJson(input).matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
    expect(values).toEqual(['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh']);
    expect(canonicalJson(input).startsWith('{"\\r":"Carriage Return","1":"One"')).toBe(true);
  });

  it('appendix B numbers', () => {
    const cases: [number, string][] = [[0, '0'], [-0, '0'], [1e21, '1e+21'], [1e-7, '1e-7'], [0.000001, '0.000001'], [9007199254740991, '9007199254740991'], [-1.5e-300, '-1.5e-300'], [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [295147905179352830000, '295147905179352830000'], [333333333.3333332, '333333333.3333332']];
    for (const [v, s] of cases) expect(canonicalJson(v)).toBe(s);
  });

  it('UTF-8 bytes of the canonical text', () => {
    expect(Buffer.from(canonicalJsonBytes({ b: 'é', a: 1 })).toString('hex')).toBe(Buffer.from('{"a":1,"b":"é"}', 'utf8').toString('hex'));
  });

  it('rejects values without a JSON form, naming where', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/value\.a: expected a finite number/);
    expect(() => canonicalJson({ a: [1, undefined] })).toThrow(/value\.a\[1\]/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
    expect(() => canonicalJson(() => 1)).toThrow(/function/);
    expect(() => canonicalJson(Infinity)).toThrow(/finite/);
    expect(() => canonicalJson({ s: '\ud800' })).toThrow(/value: Lone surrogate/);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = [cyclic];
    expect(() => canonicalJson(cyclic)).toThrow(/value.self\[0\]: circular reference/);
    // The same object twice (not a cycle) is fine.
    const shared = { x: 1 };
    expect(canonicalJson({ b: shared, a: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
