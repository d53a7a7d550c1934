/**
 * @module crypto-core/keys/errors
 * Error classes of the key-agreement code that the shared catalogue in crypto-core/errors does
 * not already have.
 */
import { MpcError } from '../errors.js';

/**
 * An X25519 peer public key is a point of small order (or otherwise yields the all-zero shared
 * secret), so the agreement would give a key an attacker knows (RFC 7748 section 6.1).
 */
export class LowOrderPointError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('low-order-point', message, options);
  }
}
