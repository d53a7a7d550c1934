/**
 * @module services/transport/step-ids
 * Opaque step ids: what a party-to-party frame carries instead of its protocol step label
 * (`model#0/relu#1/ltz#0/...`), so that the broker learns no layer or operation names.
 *
 * ```
 * stepId(label) = HMAC-SHA256(stepKey(from->to, run), UTF-8(label))[0..16]
 * ```
 *
 * The step key comes from the channel key schedule (channel-keys: per pair, job, run and
 * direction), so the same label has unrelated ids in two jobs or two directions, and nobody
 * without the pair's X25519 secret can tell which label an id stands for. The id is in the
 * frame header, which is the AEAD's associated data: a frame cannot be moved to another step
 * without failing to authenticate, and 128 bits make two labels of one run collide with
 * probability about n^2 / 2^129. Each side keeps its own labels by id, so a party's logs can
 * still name the step.
 */
import { createHmac } from 'node:crypto';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

/** Bytes of a step id on the wire. */
export const STEP_ID_LENGTH = 16;

/** The step id of hellos and listening notices, which are told apart by their sequence number. */
export const RESERVED_STEP = new Uint8Array(STEP_ID_LENGTH);

/** True for the reserved (all-zero) step id. */
export function isReservedStep(step: Uint8Array): boolean {
  return step.length === STEP_ID_LENGTH && step.every((b) => b === 0);
}

/** One direction's step ids, computed once per label and remembered both ways. */
export class StepIds {
  readonly #key: Uint8Array;
  readonly #byLabel = new Map<string, { bytes: Uint8Array; hex: string }>();
  readonly #labels = new Map<string, string>();

  /** @param key - the direction's 32-byte step key (channel-keys stepKeyFromShared); kept, zeroed by {@link wipe}. */
  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.length !== 32) throw new InvalidArgumentError('key: expected the 32-byte step key');
    this.#key = key;
  }

  /** The id of `label` and its hex form (the routing key). */
  of(label: string): { bytes: Uint8Array; hex: string } {
    let id = this.#byLabel.get(label);
    if (!id) {
      const bytes = new Uint8Array(createHmac('sha256', this.#key).update(label, 'utf8').digest().subarray(0, STEP_ID_LENGTH));
      id = { bytes, hex: Buffer.from(bytes).toString('hex') };
      this.#byLabel.set(label, id);
      this.#labels.set(id.hex, label);
    }
    return id;
  }

  /** The label behind id `hex`, when this side has used it; for logs only. */
  describe(hex: string): string {
    const label = this.#labels.get(hex);
    return label === undefined ? `step ${hex}` : `'${label}'`;
  }

  /** Zeroes the key. */
  wipe(): void {
    this.#key.fill(0);
  }
}
