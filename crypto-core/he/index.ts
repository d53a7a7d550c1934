/**
 * @module crypto-core/he
 * The node-seal (SEAL 4.1, CKKS) wrapper: parameters, context, keys, serialization, errors.
 */
export { loadSeal, createSealInstance } from './seal-loader.js';
export type { SealModule } from './seal-loader.js';
export type { CkksParams } from './ckks-params.js';
export {
  DEFAULT_CKKS_PARAMS,
  MAX_COEFF_BITS_128,
  ckksDepth,
  ckksSlotCount,
  ckksParamsForDepth,
  validateCkksParams,
  sameCkksParams,
  describeCkksParams,
} from './ckks-params.js';
export { CkksContext, requireBytes } from './ckks-context.js';
export type { CkksLevel, ComprMode } from './ckks-context.js';
export { CkksClientKeys, CkksEvalKeys, evalKeyBundleBytes } from './ckks-keys.js';
export type { EvalKeyBundle } from './ckks-keys.js';
export { readSealHeader, peekCiphertextParmsId, parmsIdHex, SEAL_MAGIC } from './serialized-header.js';
export type { SealHeader } from './serialized-header.js';
export { toHeError, isOutOfMemory, sealExceptionParts } from './seal-exception.js';
export {
  HeParameterError,
  HeMalformedDataError,
  HeParameterMismatchError,
  HeMissingGaloisKeyError,
  HeOutOfMemoryError,
  HeSealError,
} from './errors.js';
