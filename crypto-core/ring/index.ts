/**
 * @module crypto-core/ring
 * Backend selection for {@link Ring64}. `getRing()` returns the native addon when it loads and
 * `MPC_NATIVE` is not `0`; with `MPC_NATIVE=1` a missing addon is an error instead of a silent
 * fallback. The choice is made per call site's environment, never stored in a global toggle
 * that tests flip.
 */
import type { Ring64 } from './ring64.js';
import { tsRing } from './ts-ring.js';
import { loadNativeRing } from './native-ring.js';
import { NativeBackendError } from '../errors.js';

export type { Ring64 } from './ring64.js';
export { tsRing } from './ts-ring.js';
export { loadNativeRing } from './native-ring.js';
export { encodeFixed, decodeFixed, DEFAULT_FRACTION_BITS } from './fixed-point.js';

/**
 * The ring backend for this process: native unless `MPC_NATIVE=0` or the addon is absent.
 * @throws NativeBackendError when `MPC_NATIVE=1` and the addon cannot be loaded.
 */
export function getRing(env: NodeJS.ProcessEnv = process.env): Ring64 {
  const want = env.MPC_NATIVE;
  if (want === '0') return tsRing;
  const native = loadNativeRing();
  if (native.ok) return native.ring;
  if (want === '1') {
    throw new NativeBackendError(`MPC_NATIVE=1 but the native addon did not load: ${native.reason}`);
  }
  return tsRing;
}
