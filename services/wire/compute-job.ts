/**
 * @module services/wire/compute-job
 * The generic `mpc-compute` job used by tests, benchmarks and the fault drills: one product of
 * two secret-shared operands, integers mod 2^64 (exact, so a result compares with the plaintext
 * computation with tolerance zero).
 *
 * The client splits x and y into replicated shares and seals to party i the pairs of x and of y
 * (wire/sealed-share-pair format, x's pair then y's pair, each a sealed box) with associated data
 * `"mpc-compute-input/v1\n" op "\n" requestId "\n" i`; party i seals its output pair to the
 * client with `"mpc-compute-output/v1\n" op "\n" requestId "\n" i`. The request id is the client's
 * public key (hex), as for inference, so a box cannot be moved to another request or slot.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** The products a compute job offers. */
export type ComputeOp = 'mul' | 'matmul' | 'dot';

/** Explicit share pairs, or PRG seeds of the share components (see module doc). */
export type ComputeInputMode = 'shares' | 'seeds';

/** Submission payload of `mpc-compute`. */
export interface ComputeJobPayload {
  op: ComputeOp;
  /** mul, dot: [n]; matmul: [m, k, n]. */
  dims: number[];
  /** Client's X25519 public key (hex): output boxes are sealed to it. */
  clientPublicKey: string;
  /**
   * sealedInputs[i]: in `shares` mode party i's x pair box then y pair box, each base64, joined
   * by '.'; in `seeds` mode one base64 box of party i's four seeds.
   */
  sealedInputs: [string, string, string];
  /** How the operands travel (default `shares`). */
  inputMode?: ComputeInputMode;
  /** Run the product this many times (benchmarks; default 1): each party reports the time of each. */
  repeat?: number;
}

/** The part of the payload party i receives. */
export interface ComputePartyPayload {
  op: ComputeOp;
  dims: number[];
  clientPublicKey: string;
  sealedInput: string;
  inputMode: ComputeInputMode;
  repeat: number;
}

/** Result of `mpc-compute`: party i's output pair sealed to the client (base64). */
export interface ComputeJobResult {
  /** Output element count. */
  outputLength: number;
  sealedOutputs: [string, string, string];
  /** Protocol time of each repetition: the slowest party's, in milliseconds. */
  iterationMs: number[];
}

/** Largest operand element count of a compute job (the sdk's shape bound). */
export const MAX_COMPUTE_ELEMENTS = 1 << 24;

/** Element counts of x, y and the output of `op` with `dims`. @throws InvalidArgumentError naming `dims`. */
export function computeSizes(op: ComputeOp, dims: readonly number[]): { x: number; y: number; out: number } {
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d > 0)) throw new InvalidArgumentError(`dims: expected positive integers, got ${JSON.stringify(dims)}`);
  let s: { x: number; y: number; out: number };
  if (op === 'mul' || op === 'dot') {
    if (dims.length !== 1) throw new InvalidArgumentError(`dims: expected [n] for ${op}, got ${JSON.stringify(dims)}`);
    s = { x: dims[0]!, y: dims[0]!, out: op === 'mul' ? dims[0]! : 1 };
  } else if (op === 'matmul') {
    if (dims.length !== 3) throw new InvalidArgumentError(`dims: expected [m, k, n] for matmul, got ${JSON.stringify(dims)}`);
    const [m, k, n] = dims as [number, number, number];
    s = { x: m * k, y: k * n, out: m * n };
  } else throw new InvalidArgumentError(`op: expected mul, matmul or dot, got ${JSON.stringify(op)}`);
  if (s.x > MAX_COMPUTE_ELEMENTS || s.y > MAX_COMPUTE_ELEMENTS || s.out > MAX_COMPUTE_ELEMENTS) throw new InvalidArgumentError(`dims: more than ${MAX_COMPUTE_ELEMENTS} elements in an operand`);
  return s;
}

/** Associated data of party `i`'s input box of operand `operand`. */
export function computeInputAad(op: ComputeOp, requestId: string, operand: 'x' | 'y' | 'seeds', i: number): Uint8Array {
  return new TextEncoder().encode(`mpc-compute-input/v1\n${op}\n${requestId}\n${operand}\n${i}`);
}

/** Associated data of party `i`'s output box. */
export function computeOutputAad(op: ComputeOp, requestId: string, i: number): Uint8Array {
  return new TextEncoder().encode(`mpc-compute-output/v1\n${op}\n${requestId}\n${i}`);
}
