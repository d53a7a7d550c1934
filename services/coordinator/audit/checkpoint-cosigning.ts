/**
 * @module services/coordinator/audit/checkpoint-cosigning
 * Gathers witness cosignatures for each checkpoint the coordinator signs (C2SP tlog-witness
 * add-checkpoint, sent to every party on `subjects.witness(id)`) and stores the cosigned note
 * with the log (AuditLog.addCosignatures), so exports and `audit.checkpoint` carry them.
 *
 * Per witness the cosigner remembers the size it last had cosigned and sends the RFC 9162
 * consistency proof from there. It starts knowing nothing (old size 0): a witness that already
 * cosigned answers 409 with its size, and the request is sent again once with the proof from that
 * size. A witness that refuses (a 409 at equal size, a 422, 403, 404) or does not answer leaves
 * its line out; the checkpoint is stored with whatever cosignatures verified. Replies are
 * checked here too (the name, key ID and signature over this checkpoint), so a malformed or
 * foreign line is never stored.
 */
import type { NatsConnection } from 'nats';
import { fromHex } from '../../../crypto-core/encoding.js';
import { parseCheckpoint, parseNote } from '../../../crypto-core/checkpoint/index.js';
import type { ServiceLog } from '../../transport/service-log.js';
import { subjects } from '../../wire/api.js';
import { verifyCosignatures, type CosignerVerifier } from '../../wire/tlog-cosignature.js';
import { conflictSize, formatAddCheckpoint, isAddCheckpointReply, type AddCheckpointReply } from '../../wire/tlog-witness.js';
import type { TrustedService } from '../service-registry.js';

/** The log side the cosigner needs (structurally AuditLog / AuditOutbox). */
export interface CosignableLog {
  consistencyProof(size1: number, size2: number): { proof: Uint8Array[] };
  addCosignatures(note: string, lines: readonly string[]): Promise<string>;
}

/** Sends one add-checkpoint body to a witness and returns its reply. */
export type WitnessTransport = (witnessId: string, body: string) => Promise<AddCheckpointReply>;

/** Options of {@link CheckpointCosigner}. */
export interface CheckpointCosignerOptions {
  log: CosignableLog;
  /** The witnesses: name (party id) and Ed25519 key. */
  witnesses: readonly CosignerVerifier[];
  transport: WitnessTransport;
  logger?: ServiceLog;
}

/** Collects cosignatures for checkpoints, one checkpoint at a time. */
export class CheckpointCosigner {
  readonly #o: CheckpointCosignerOptions;
  /** Witness name -> size of the last checkpoint it cosigned, as far as this coordinator knows. */
  readonly #sizes = new Map<string, number>();

  constructor(opts: CheckpointCosignerOptions) {
    this.#o = opts;
  }

  /** Asks every witness to cosign `note`; stores and returns the note with the cosignatures that verified. */
  async cosign(note: string): Promise<string> {
    const { text } = parseNote(note);
    const size = parseCheckpoint(text).size;
    const lines = await Promise.all(this.#o.witnesses.map((w) => this.#ask(w, note, size)));
    const got = lines.filter((l): l is string => l !== null);
    if (got.length === 0) return note;
    return await this.#o.log.addCosignatures(note, got);
  }

  async #ask(w: CosignerVerifier, note: string, size: number): Promise<string | null> {
    let old = this.#sizes.get(w.name) ?? 0;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (old > size) {
        // The witness cosigned a larger tree of this origin than this log has: a rollback or another history.
        this.#o.logger?.warn('witness-ahead', { witness: w.name, size, witnessSize: old });
        return null;
      }
      const proof = old === 0 || old === size ? [] : this.#o.log.consistencyProof(old, size).proof;
      let reply: AddCheckpointReply;
      try {
        reply = await this.#o.transport(w.name, formatAddCheckpoint({ oldSize: old, proof, checkpoint: note }));
      } catch (e) {
        // No responders (503): the party is not running; anything else (a timeout) is worth a warning.
        const noResponders = (e as { code?: unknown }).code === '503';
        this.#o.logger?.[noResponders ? 'info' : 'warn'](noResponders ? 'witness-not-running' : 'witness-unreachable', { witness: w.name, size, message: e instanceof Error ? e.message : String(e) });
        return null;
      }
      if (reply.status === 200) {
        const valid = reply.body
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => l + '\n')
          .filter((l) => verifyCosignatures(note + l, [w]).valid.length === 1);
        if (valid.length === 0) {
          this.#o.logger?.warn('witness-bad-cosignature', { witness: w.name, size });
          return null;
        }
        this.#sizes.set(w.name, size);
        return valid[0]!;
      }
      const theirs = conflictSize(reply);
      if (theirs !== null && theirs !== old && attempt === 0) {
        old = theirs;
        this.#sizes.set(w.name, theirs);
        continue;
      }
      this.#o.logger?.warn('witness-refused', { witness: w.name, size, status: reply.status, reason: reply.body.trim().slice(0, 200) });
      return null;
    }
    return null;
  }
}

/** A {@link WitnessTransport} over NATS request/reply. */
export function natsWitnessTransport(nc: NatsConnection, timeoutMs = 5000): WitnessTransport {
  return async (id, body) => {
    const m = await nc.request(subjects.witness(id), new TextEncoder().encode(JSON.stringify({ addCheckpoint: body })), { timeout: timeoutMs });
    const r = JSON.parse(new TextDecoder().decode(m.data)) as unknown;
    if (!isAddCheckpointReply(r)) throw new Error(`witness ${id} answered something that is not an add-checkpoint reply`);
    return r;
  };
}

/** Whether `sink` can store cosigned checkpoints (an AuditLog or the outbox in front of one). */
function asCosignable(sink: unknown): CosignableLog | undefined {
  const s = sink as Partial<CosignableLog> | null;
  return s && typeof s.addCosignatures === 'function' && typeof s.consistencyProof === 'function' ? (s as CosignableLog) : undefined;
}

/**
 * The checkpoint hook that has the trusted parties witness every checkpoint of `sink`, or
 * undefined when the sink keeps no cosignable log or no party is trusted.
 */
export function witnessCheckpoints(sink: unknown, nc: NatsConnection, trusted: readonly TrustedService[], logger?: ServiceLog): ((note: string) => Promise<string>) | undefined {
  const log = asCosignable(sink);
  const witnesses = trusted.filter((t) => t.kind === 'party').map((t) => ({ name: t.id, publicKey: fromHex(t.signingPublicKey, `${t.id}.signingPublicKey`, 32) }));
  if (!log || witnesses.length === 0) return undefined;
  const cosigner = new CheckpointCosigner({ log, witnesses, transport: natsWitnessTransport(nc), ...(logger ? { logger } : {}) });
  return (note) => cosigner.cosign(note);
}
