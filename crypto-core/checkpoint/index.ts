/**
 * @module crypto-core/checkpoint
 * C2SP signed notes and tlog checkpoints with Ed25519.
 */
export { CheckpointFormatError, SignedNoteFormatError } from './errors.js';
export { encodeVerifierKey, isValidKeyName, noteKeyId, parseNote, parseVerifierKey, signNote, verifyNote } from './signed-note.js';
export type { NoteSignature, NoteSigner, NoteVerification, NoteVerifier } from './signed-note.js';
export { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.js';
export type { Checkpoint, CheckpointVerification } from './checkpoint.js';
