/**
 * @module protocols/rss
 * Three-party replicated secret sharing over Z_2^64 (Araki et al., CCS 2016; ABY3, Mohassel &
 * Rindal, CCS 2018): share types, protocols as functions over a `ProtocolContext`, correlated
 * randomness as a provider, and errors. See docs/protocols-rss.md for costs and error bounds.
 */
export type { ReplicatedShare, ShareTriple } from './replicated-share.js';
export { shareSecret, reconstruct, openChecked, checkShare, makeShare } from './replicated-share.js';
export type { CorrelatedRandomness, PairwiseSeeds } from './correlated-randomness.js';
export { createCorrelatedRandomness, generateSeedTriple } from './correlated-randomness.js';
export type { ProtocolContext, ProtocolContextOptions } from './context.js';
export { createProtocolContext } from './context.js';
export { sendVector, recvVector } from './exchange.js';
export {
  add,
  sub,
  neg,
  addPublic,
  subFromPublic,
  mulPublic,
  mulPublicVector,
  matmulPublic,
  sum,
  publicShare,
  gather,
  concat,
  split,
} from './local-ops.js';
export type { OpenOptions } from './open.js';
export { open, revealTo } from './open.js';
export { mul, matmul, dot, reshare } from './mul.js';
export { truncate, mulFixed, matmulFixed } from './truncate.js';
export { inputFrom } from './input.js';
export { reshareToStandby } from './standby-reshare.js';
export type { BinaryShare } from './binary-share.js';
export {
  makeBinaryShare,
  checkBinaryShare,
  shareBinary,
  reconstructBinary,
  xorB,
  xorPublicB,
  notB,
  andPublicB,
  shiftLeftB,
  shiftRightB,
  andB,
  concatB,
  splitB,
  openBinary,
} from './binary-share.js';
export { inputBinary, binaryFromParties12, addBinary, a2b, bitInjection } from './conversion.js';
export { msbBit } from './msb.js';
export { allOnesBit } from './and-tree.js';
export { ltzBit, ltz, lessThan, equalZeroBit, equalZero, equal, select, relu, max, min, abs } from './comparison.js';
export type { ArgmaxResult } from './argmax.js';
export { argmax, maxLastAxis } from './argmax.js';
export {
  InconsistentShareError,
  PartyUnavailableError,
  ChannelTimeoutError,
  DuplicateMessageError,
  ShapeError,
} from './errors.js';
