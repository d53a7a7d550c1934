/**
 * @module crypto-core/ring/native-ring
 * Loader of the native ring addon. PLACEHOLDER until the addon lands: reports it absent.
 */
import type { Ring64 } from './ring64.js';

/** Result of trying to load the addon. */
export type NativeLoad = { ok: true; ring: Ring64 } | { ok: false; reason: string };

/** Loads the native addon once; later calls return the cached result. */
export function loadNativeRing(): NativeLoad {
  return { ok: false, reason: 'native addon not built yet' };
}
