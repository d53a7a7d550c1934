/**
 * @module services/coordinator/compute-client
 * The client's side of an `mpc-compute` job: split and seal the operands for the three
 * parties, and open the three sealed output pairs with the checked reconstruction (every output
 * component arrives from two parties; a party that altered its output share is caught).
 */
import { open as openBox, seal } from '../../crypto-core/sealed-box.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { generateAgreementKeyPair, type AgreementKeyPair } from '../../crypto-core/keys/agreement.js';
import { Prg } from '../../crypto-core/prg.js';
import { makeShare, openChecked, shareSecret, type ShareTriple } from '../../protocols/rss/replicated-share.js';
import { decodeSharePair, encodeSharePair } from '../sdk/sealed-share-pair.js';
import { computeInputAad, computeOutputAad, computeSizes, type ComputeJobPayload, type ComputeJobResult, type ComputeOp } from './compute-job.js';

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

/** Opens the three parties' output shares. */
export function openComputeShares(request: ComputeRequest, result: ComputeJobResult): ShareTriple {
  const { op, clientPublicKey } = request.payload;
  return ([0, 1, 2] as const).map((i) => {
    const box = openBox(request.clientKey.secretKey, fromBase64(result.sealedOutputs[i], `sealedOutputs[${i}]`), computeOutputAad(op, clientPublicKey, i));
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
