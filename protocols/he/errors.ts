/**
 * @module protocols/he/errors
 * Errors of CKKS model planning and evaluation.
 */
import { MpcError } from '../../crypto-core/errors.js';

/**
 * The model cannot be evaluated under CKKS as planned: an unsupported layer (named), a shape
 * that does not chain, a width beyond the slot count, or more depth than the parameters allow.
 */
export class HeUnsupportedModelError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('he-unsupported-model', message, options);
  }
}
