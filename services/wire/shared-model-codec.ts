/**
 * @module services/wire/shared-model-codec
 * The bytes of one party's view of a secret-shared model (protocols/nn `SharedModel`), as the
 * model owner seals it to that party at publish time and the party decodes it. JSON (UTF-8),
 * with every share component as base64 of little-endian u64 words:
 *
 * ```
 * { "format": "mpc-shared-model/v1", "fractionBits": 16, "inputShape": [...], "outputShape": [...],
 *   "layers": [ { "kind": "dense", "name", "inFeatures", "outFeatures", "weightT": { "a", "b", "shape" }, "bias"? },
 *               { "kind": "conv2d", ..., "weight": {...}, "bias"? }, { "kind": "affine", "scale"?, "shift"? },
               { layers without weights as in ModelIR, with "inputs" where the model is a graph } ] }
 * ```
 *
 * Associated data of the sealed view for party i: `"mpc-model-share/v1\n" name "\n" version "\n" i`.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { bytesToU64, u64ToBytes } from '../../protocols/wire.js';
import { makeShare, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import type { SharedLayer, SharedModel } from '../../protocols/nn/shared-model.js';

/** Format label of version 1. */
export const SHARED_MODEL_FORMAT = 'mpc-shared-model/v1';

interface WireShare {
  a: string;
  b: string;
  shape?: number[];
}

function shareToWire(s: ReplicatedShare): WireShare {
  return { a: Buffer.from(u64ToBytes(s.a)).toString('base64'), b: Buffer.from(u64ToBytes(s.b)).toString('base64'), ...(s.shape ? { shape: [...s.shape] } : {}) };
}

function shareFromWire(w: unknown, where: string): ReplicatedShare {
  if (typeof w !== 'object' || w === null) throw new InvalidArgumentError(`${where}: expected a share object`);
  const s = w as WireShare;
  if (typeof s.a !== 'string' || typeof s.b !== 'string') throw new InvalidArgumentError(`${where}: expected base64 strings a and b`);
  const a = bytesToU64(new Uint8Array(Buffer.from(s.a, 'base64')));
  const b = bytesToU64(new Uint8Array(Buffer.from(s.b, 'base64')));
  return makeShare(a, b, s.shape);
}

/** The associated data of the sealed view of party `partyIndex`. */
export function modelShareAad(name: string, version: string, partyIndex: number): Uint8Array {
  return new TextEncoder().encode(`mpc-model-share/v1\n${name}\n${version}\n${partyIndex}`);
}

/** Encodes one party's view. */
export function encodeSharedModel(view: SharedModel): Uint8Array {
  const layers = view.layers.map((l) => {
    if (l.kind === 'dense') return { ...l, weightT: shareToWire(l.weightT), ...(l.bias ? { bias: shareToWire(l.bias) } : {}) };
    if (l.kind === 'conv2d') return { ...l, weight: shareToWire(l.weight), ...(l.bias ? { bias: shareToWire(l.bias) } : {}) };
    if (l.kind === 'affine') return { ...l, ...(l.scale ? { scale: shareToWire(l.scale) } : {}), ...(l.shift ? { shift: shareToWire(l.shift) } : {}) };
    return l;
  });
  return new TextEncoder().encode(JSON.stringify({ format: SHARED_MODEL_FORMAT, fractionBits: view.fractionBits, inputShape: view.inputShape, outputShape: view.outputShape, layers }));
}

/**
 * Decodes one party's view.
 * @throws InvalidArgumentError naming the first malformed part.
 */
export function decodeSharedModel(bytes: Uint8Array): SharedModel {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch (cause) {
    throw new InvalidArgumentError('bytes: not a UTF-8 JSON shared model', { cause });
  }
  if (v.format !== SHARED_MODEL_FORMAT) throw new InvalidArgumentError(`format: expected ${SHARED_MODEL_FORMAT}, got ${JSON.stringify(v.format)}`);
  if (!Number.isInteger(v.fractionBits)) throw new InvalidArgumentError('fractionBits: expected integer');
  if (!Array.isArray(v.inputShape) || !Array.isArray(v.outputShape) || !Array.isArray(v.layers)) throw new InvalidArgumentError('inputShape, outputShape, layers: expected arrays');
  const layers = (v.layers as Record<string, unknown>[]).map((l, i): SharedLayer => {
    const where = `layers[${i}]`;
    if (l.kind === 'dense') return { ...(l as object), weightT: shareFromWire(l.weightT, `${where}.weightT`), ...(l.bias ? { bias: shareFromWire(l.bias, `${where}.bias`) } : {}) } as SharedLayer;
    if (l.kind === 'conv2d') return { ...(l as object), weight: shareFromWire(l.weight, `${where}.weight`), ...(l.bias ? { bias: shareFromWire(l.bias, `${where}.bias`) } : {}) } as SharedLayer;
    if (l.kind === 'affine') return { ...(l as object), ...(l.scale ? { scale: shareFromWire(l.scale, `${where}.scale`) } : {}), ...(l.shift ? { shift: shareFromWire(l.shift, `${where}.shift`) } : {}) } as SharedLayer;
    if (typeof l.kind !== 'string') throw new InvalidArgumentError(`${where}.kind: expected string`);
    return l as unknown as SharedLayer;
  });
  return { fractionBits: v.fractionBits as number, inputShape: v.inputShape as number[], outputShape: v.outputShape as number[], layers };
}
