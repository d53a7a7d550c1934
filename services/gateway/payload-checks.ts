/**
 * @module services/gateway/payload-checks
 * Checks of the binary fields of submissions that JSON schema cannot express: canonical base64,
 * and lengths that the declared shape or format fixes. The gateway cannot read a sealed share,
 * but it can tell that a box is not a share pair for the declared shape (a sealed pair of n
 * elements is exactly 16n + 61 bytes), and that a SEAL ciphertext's header disagrees with its
 * length; rejecting those here keeps malformed work from ever becoming a job.
 */
import { fromLargeBase64 } from '../wire/large-base64.js';
import { SEALED_BOX_OVERHEAD } from '../../crypto-core/sealed-box.js';
import { sealedSharePairLength, shapeSize } from '../wire/sealed-share-pair.js';
import { ProblemError } from './problems.js';
import { openDatasetManifest } from '../wire/dataset-manifest.js';
import { sha256Hex } from '../wire/analytics-jobs.js';

/** `sealedInputs[1]` as a request path (`body/sealedInputs/1`), as schema validation names fields. */
function bodyPath(field: string): string {
  return `body/${field.replace(/\[(\d+)\]/g, '/$1').replace(/\./g, '/')}`;
}

/** The `invalid-ciphertext` problem for `field`, the field in `errors[]`. */
export function invalidCiphertext(field: string, message: string, cause?: unknown): ProblemError {
  return new ProblemError('invalid-ciphertext', `${field}: ${message}`, { cause, errors: [{ path: bodyPath(field), message }] });
}

/** Decodes canonical base64 or throws an `invalid-ciphertext` problem naming `field`. */
export function decodeBase64Field(field: string, value: string): Uint8Array {
  try {
    return fromLargeBase64(value, field);
  } catch (cause) {
    throw invalidCiphertext(field, 'expected canonical standard base64', cause);
  }
}

/**
 * Checks that each of the three sealed boxes holds a share pair of `n` elements.
 * @throws ProblemError `invalid-ciphertext` naming the first wrong box and both lengths.
 */
export function checkSealedSharePairs(field: string, boxes: readonly string[], n: number): void {
  const expected = sealedSharePairLength(n);
  boxes.forEach((b, i) => {
    const bytes = decodeBase64Field(`${field}[${i}]`, b);
    if (bytes.length !== expected) {
      throw invalidCiphertext(`${field}[${i}]`, `decodes to ${bytes.length} bytes, but a sealed share pair of ${n} elements is ${expected} bytes`);
    }
  });
}

/** The element count of `shape`, or a `validation` problem naming `field`. */
export function checkedShapeSize(field: string, shape: readonly number[]): number {
  try {
    return shapeSize(shape, field);
  } catch (cause) {
    throw new ProblemError('validation', (cause as Error).message, { cause });
  }
}

/** Checks that sealed boxes of unknown plaintext length are at least a non-empty sealed box. */
export function checkSealedBoxes(field: string, boxes: readonly string[], minPlaintext = 1): void {
  boxes.forEach((b, i) => {
    const bytes = decodeBase64Field(`${field}[${i}]`, b);
    if (bytes.length < SEALED_BOX_OVERHEAD + minPlaintext) {
      throw invalidCiphertext(`${field}[${i}]`, `decodes to ${bytes.length} bytes, shorter than a sealed box of at least ${minPlaintext} plaintext bytes (${SEALED_BOX_OVERHEAD + minPlaintext})`);
    }
  });
}

/** SEAL's serialization header: magic 0xA15E (little endian), header size 16, total size at offset 8. */
const SEAL_MAGIC = 0xa15e;
const SEAL_HEADER_SIZE = 16;

/**
 * Checks that `value` is base64 of a SEAL-serialized object whose header is intact and whose
 * declared size equals its length (node-seal `save()` output, compressed or not).
 */
export function checkSealObject(field: string, value: string): void {
  const bytes = decodeBase64Field(field, value);
  if (bytes.length < SEAL_HEADER_SIZE) throw invalidCiphertext(field, `${bytes.length} bytes is shorter than a SEAL header (${SEAL_HEADER_SIZE})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== SEAL_MAGIC || bytes[2] !== SEAL_HEADER_SIZE) {
    throw invalidCiphertext(field, 'not a SEAL-serialized object (bad magic or header size)');
  }
  const declared = view.getBigUint64(8, true);
  if (declared !== BigInt(bytes.length)) {
    throw invalidCiphertext(field, `SEAL header declares ${declared} bytes, but ${bytes.length} were sent`);
  }
}

/**
 * Checks each box against the SHA-256 the hospital signed for it in the upload manifest
 * (services/wire/dataset-manifest): a box changed after signing is refused here, by field,
 * before the parties refuse it. A manifest that does not verify is left to the parties.
 * @throws ProblemError `invalid-ciphertext` naming the first box that differs.
 */
export function checkManifestDigests(field: string, boxes: readonly string[], manifest: unknown): void {
  const body = openDatasetManifest(manifest);
  if (!body) return;
  boxes.forEach((b, i) => {
    if (sha256Hex(decodeBase64Field(`${field}[${i}]`, b)) !== body.boxSha256[i]) {
      throw invalidCiphertext(`${field}[${i}]`, `its SHA-256 differs from boxSha256[${i}] of the signed manifest: the box was changed after the hospital signed it`);
    }
  });
}
