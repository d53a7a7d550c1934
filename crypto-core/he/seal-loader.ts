/**
 * @module crypto-core/he/seal-loader
 * Loading the node-seal WebAssembly module. Each call to the factory instantiates a new WASM
 * instance with its own heap; a thread normally shares one (`loadSeal`), and a caller that
 * must start from a clean heap (a restart, a determinism check) asks for a fresh one.
 */
import SEAL from 'node-seal';
import type { MainModule } from 'node-seal';

/** The node-seal runtime (SEAL 4.1 bindings). */
export type SealModule = MainModule;

let shared: Promise<SealModule> | undefined;

/** The SEAL instance shared by everything in this thread, loaded on first use. */
export function loadSeal(): Promise<SealModule> {
  shared ??= SEAL();
  return shared;
}

/** A new, independent SEAL instance with an empty heap. */
export function createSealInstance(): Promise<SealModule> {
  return SEAL();
}
