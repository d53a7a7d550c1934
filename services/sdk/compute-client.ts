/**
 * @module services/sdk/compute-client
 * The client's side of an `mpc-compute` job: split and seal the operands for the three
 * parties, and open the three sealed output pairs with the checked reconstruction (every output
 * component arrives from two parties; a party that altered its output share is caught).
 */
import { randomBytes } from 'node:crypto';
import { open as openBox, seal } from '../../crypto-core/sealed-box.js';
import { fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { fromLargeBase64 } from '../wire/large-base64.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { generateAgreementKeyPair, type AgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { Prg } from '../../crypto-core/prg.js';
import { makeShare, openChecked, shareSecret, type ShareTriple } from '../../protocols/rss/replicated-share.js';
import { decodeSharePair, encodeSharePair } from '../wire/sealed-share-pair.js';
import { computeInputAad, computeOutputAad, computeSizes, type ComputeJobPayload, type ComputeJobResult, type ComputeOp } from '../wire/compute-job.js';

/** A prepared compute request and the key that opens its result. */
export interface ComputeRequest {
  payload: ComputeJobPayload;
  /** The client's ephemeral key pair; its secret opens the outputs. */
  clientKey: AgreementKeyPair;
}

/**
 * Shares `x` and `y`, seals each party's pairs to its agreement key, and returns the payload.
 * @param partyAgreementKeys - the three parties' X25519 public keys (hex) by index.
 */
export function prepareComputeRequest(
  op: ComputeOp,
  dims: number[],
  x: BigUint64Array,
  y: BigUint64Array,
  partyAgreementKeys: readonly [string, string, string],
  opts: { repeat?: number; rng?: Prg } = {},
): ComputeRequest {
  const sizes = computeSizes(op, dims);
  if (!(x instanceof BigUint64Array) || x.length !== sizes.x) throw new InvalidArgumentError(`x: expected BigUint64Array of ${sizes.x} elements`);
  if (!(y instanceof BigUint64Array) || y.length !== sizes.y) throw new InvalidArgumentError(`y: expected BigUint64Array of ${sizes.y} elements`);
  const rng = opts.rng ?? Prg.random();
  const clientKey = generateAgreementKeyPair();
  const requestId = toHex(clientKey.publicKey);
  const xs = shareSecret(x, rng);
  const ys = shareSecret(y, rng);
  const sealedInputs = ([0, 1, 2] as const).map((i) => {
    const pk = fromHex(partyAgreementKeys[i], `partyAgreementKeys[${i}]`, 32);
    const bx = seal(pk, encodeSharePair(xs[i].a, xs[i].b), computeInputAad(op, requestId, 'x', i));
    const by = seal(pk, encodeSharePair(ys[i].a, ys[i].b), computeInputAad(op, requestId, 'y', i));
    return `${toBase64(bx)}.${toBase64(by)}`;
  }) as [string, string, string];
  return { payload: { op, dims, clientPublicKey: requestId, sealedInputs, ...(opts.repeat ? { repeat: opts.repeat } : {}) }, clientKey };
}

/**
 * A request on pseudo-random operands in `seeds` mode (see compute-job): the parties receive
 * only the seeds of the share components they hold. Returns the operands in the clear too, for
 * the caller's plaintext reference.
 */
export function prepareSeededComputeRequest(
  op: ComputeOp,
  dims: number[],
  partyAgreementKeys: readonly [string, string, string],
  opts: { repeat?: number } = {},
): ComputeRequest & { x: BigUint64Array; y: BigUint64Array } {
  const sizes = computeSizes(op, dims);
  const clientKey = generateAgreementKeyPair();
  const requestId = toHex(clientKey.publicKey);
  const sx = [0, 1, 2].map(() => new Uint8Array(randomBytes(32)));
  const sy = [0, 1, 2].map(() => new Uint8Array(randomBytes(32)));
  const sumOf = (seeds: Uint8Array[], n: number): BigUint64Array => {
    const parts = seeds.map((s) => Prg.fromSeed(s).u64(n));
    const out = new BigUint64Array(n);
    for (let t = 0; t < n; t++) out[t] = parts[0]![t]! + parts[1]![t]! + parts[2]![t]!;
    return out;
  };
  const sealedInputs = ([0, 1, 2] as const).map((i) => {
    const j = (i + 1) % 3;
    const plain = new Uint8Array(128);
    plain.set(sx[i]!, 0);
    plain.set(sx[j]!, 32);
    plain.set(sy[i]!, 64);
    plain.set(sy[j]!, 96);
    return toBase64(seal(fromHex(partyAgreementKeys[i], `partyAgreementKeys[${i}]`, 32), plain, computeInputAad(op, requestId, 'seeds', i)));
  }) as [string, string, string];
  return {
    payload: { op, dims, clientPublicKey: requestId, sealedInputs, inputMode: 'seeds', ...(opts.repeat ? { repeat: opts.repeat } : {}) },
    clientKey,
    x: sumOf(sx, sizes.x),
    y: sumOf(sy, sizes.y),
  };
}

/** Opens the three parties' output shares. */
export function openComputeShares(request: ComputeRequest, result: ComputeJobResult): ShareTriple {
  const { op, clientPublicKey } = request.payload;
  return ([0, 1, 2] as const).map((i) => {
    const box = openBox(request.clientKey.secretKey, fromLargeBase64(result.sealedOutputs[i], `sealedOutputs[${i}]`), computeOutputAad(op, clientPublicKey, i));
    const [a, b] = decodeSharePair(box, result.outputLength);
    return makeShare(a, b);
  }) as unknown as ShareTriple;
}

/**
 * The output of a finished compute job, reconstructed with the consistency check.
 * @throws InconsistentShareError when a party altered its output shares.
 */
export function openComputeResult(request: ComputeRequest, result: ComputeJobResult): BigUint64Array {
  return openChecked(openComputeShares(request, result));
}
