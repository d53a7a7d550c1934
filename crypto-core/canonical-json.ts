/**
 * @module crypto-core/canonical-json
 * RFC 8785 JSON Canonicalization Scheme (JCS) through the `canonicalize` package: object members
 * sorted by UTF-16 code units, no whitespace, ECMAScript number formatting, minimal string
 * escapes. The audit log hashes these exact bytes, so one logical entry has exactly one encoding
 * and an auditor can recompute every leaf hash from the exported text.
 */
import canonicalize from 'canonicalize';
import { InvalidArgumentError } from './errors.js';

/**
 * The RFC 8785 canonical text of `value`.
 * @throws InvalidArgumentError when `value` has no JSON form (undefined, a function, a symbol,
 *   a bigint, a non-finite number, a string with a lone surrogate, a cycle) anywhere inside,
 *   because silently dropping or nulling such a member would make two inputs hash the same.
 */
export function canonicalJson(value: unknown): string {
  checkJsonValue(value, 'value');
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (e) {
    // The package throws plain Errors (lone surrogates, cycles); keep our error contract.
    throw new InvalidArgumentError(`value: ${(e as Error).message}`, { cause: e });
  }
  if (text === undefined) throw new InvalidArgumentError('value: has no JSON form');
  return text;
}

/** The UTF-8 bytes of {@link canonicalJson}(`value`). */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

function checkJsonValue(v: unknown, path: string, ancestors: Set<object> = new Set()): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`${path}: expected a finite number, got ${v}`);
    return;
  }
  if (typeof v === 'object') {
    // toJSON objects (Date) are serialized by their toJSON result; accept them as they are.
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return;
    if (ancestors.has(v)) throw new InvalidArgumentError(`${path}: circular reference`);
    ancestors.add(v);
    if (Array.isArray(v)) v.forEach((x, i) => checkJsonValue(x, `${path}[${i}]`, ancestors));
    else for (const [k, x] of Object.entries(v as Record<string, unknown>)) checkJsonValue(x, `${path}.${k}`, ancestors);
    ancestors.delete(v);
    return;
  }
  throw new InvalidArgumentError(`${path}: ${typeof v} has no JSON form`);
}
