/**
 * @module services/wire/sealed-share-pair
 * The client-to-party and party-to-client wire format of replicated share pairs, shared by the
 * SDK (seal inputs, open outputs), the gateway (length checks) and the parties (open inputs,
 * seal outputs).
 *
 * A share pair of n ring elements for party i is `(x_i, x_{i+1})`, encoded as 2n unsigned
 * 64-bit little-endian words: the n words of x_i, then the n words of x_{i+1}. It travels as a
 * sealed box (crypto-core/sealed-box) to the party's agreement key, so its sealed length is
 * exactly `16 n + 61` bytes; anything else cannot be a share pair for the declared shape.
 *
 * Associated data binds what the box is for, so a box cannot be moved to another model, another
 * request, another party slot or from input to output:
 *
 * ```
 * input : "mpc-inference-input/v1\n"  modelId "\n" requestId "\n" partyIndex
 * output: "mpc-inference-output/v1\n" modelId "\n" requestId "\n" partyIndex
 * table : "mpc-dataset-upload/v1\n"   name "\n" uploadId "\n" partyIndex
 * ```
 *
 * The request id of an inference is the client's ephemeral X25519 public key (hex) that the
 * job names as `clientPublicKey`: unique per request, and binding it means a coordinator that
 * swaps the output key also breaks every input box.
 */
import { SEALED_BOX_OVERHEAD } from '../../crypto-core/sealed-box.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** Bytes per ring element. */
const WORD = 8;

/** Largest number of elements a shape may have (2^24: 256 MiB of sealed shares), a sanity bound. */
export const MAX_SHAPE_ELEMENTS = 1 << 24;

/** Number of elements of `shape`; throws naming `name` for a non-integer, non-positive or too large shape. */
export function shapeSize(shape: readonly number[], name = 'shape'): number {
  if (!Array.isArray(shape) || shape.length === 0) throw new InvalidArgumentError(`${name}: expected a non-empty array of positive integers`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d <= 0) throw new InvalidArgumentError(`${name}: expected positive integer dimensions, got ${JSON.stringify(d)}`);
    n *= d;
    if (n > MAX_SHAPE_ELEMENTS) throw new InvalidArgumentError(`${name}: more than ${MAX_SHAPE_ELEMENTS} elements`);
  }
  return n;
}

/** Plaintext length of a share pair of `n` elements. */
export function sharePairLength(n: number): number {
  return 2 * WORD * n;
}

/** Sealed length of a share pair of `n` elements. */
export function sealedSharePairLength(n: number): number {
  return sharePairLength(n) + SEALED_BOX_OVERHEAD;
}

/** Encodes `(first, second)` (each n words) as 16n little-endian bytes. */
export function encodeSharePair(first: BigUint64Array, second: BigUint64Array): Uint8Array {
  if (!(first instanceof BigUint64Array) || !(second instanceof BigUint64Array)) throw new InvalidArgumentError('first, second: expected BigUint64Array');
  if (first.length !== second.length) throw new InvalidArgumentError(`second: expected ${first.length} elements like first, got ${second.length}`);
  const out = new Uint8Array(sharePairLength(first.length));
  const view = new DataView(out.buffer);
  for (let i = 0; i < first.length; i++) view.setBigUint64(i * WORD, first[i], true);
  const off = first.length * WORD;
  for (let i = 0; i < second.length; i++) view.setBigUint64(off + i * WORD, second[i], true);
  return out;
}

/** Decodes 16n bytes into the pair of n-word arrays. */
export function decodeSharePair(bytes: Uint8Array, n: number): [BigUint64Array, BigUint64Array] {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes: expected Uint8Array');
  if (bytes.length !== sharePairLength(n)) throw new InvalidArgumentError(`bytes: expected ${sharePairLength(n)} bytes for a share pair of ${n} elements, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const a = new BigUint64Array(n);
  const b = new BigUint64Array(n);
  for (let i = 0; i < n; i++) a[i] = view.getBigUint64(i * WORD, true);
  for (let i = 0; i < n; i++) b[i] = view.getBigUint64((n + i) * WORD, true);
  return [a, b];
}

/**
 * What the inference boxes of a request naming its model by `name` are bound to (in place of a
 * model id in {@link inferenceInputAad} and {@link inferenceOutputAad}): prefixed, so a name can
 * never be taken for an id.
 */
export function namedModelSubject(name: string): string {
  return `name:${name}`;
}

/** The associated data of an inference input box for party `partyIndex`. */
export function inferenceInputAad(modelId: string, requestId: string, partyIndex: number): Uint8Array {
  return new TextEncoder().encode(`mpc-inference-input/v1\n${modelId}\n${requestId}\n${partyIndex}`);
}

/** The associated data of an inference output box from party `partyIndex`. */
export function inferenceOutputAad(modelId: string, requestId: string, partyIndex: number): Uint8Array {
  return new TextEncoder().encode(`mpc-inference-output/v1\n${modelId}\n${requestId}\n${partyIndex}`);
}

/** The associated data of a dataset table box for party `partyIndex`. */
export function datasetUploadAad(name: string, uploadId: string, partyIndex: number): Uint8Array {
  return new TextEncoder().encode(`mpc-dataset-upload/v1\n${name}\n${uploadId}\n${partyIndex}`);
}
