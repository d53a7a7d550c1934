/**
 * @module protocols/rss/malicious/transcript
 * A {@link Channel} wrapper that keeps, for every message this party sent or received, the
 * SHA-256 of its payload (and the payload itself when it is a 32-byte digest message), keyed by
 * direction, peer and tag. The records of one step are what a party signs as evidence when a
 * check fails (services/wire/verification-evidence): a message whose digests differ between
 * its sender's and its receiver's statements names that pair.
 */
import { createHash } from 'node:crypto';
import type { Channel, PartyIndex } from '../../channel/channel.js';
import { ForwardingChannel } from '../../channel/forwarding-channel.js';

/** One message as this party saw it. */
export interface TranscriptRecord {
  readonly dir: 'sent' | 'received';
  readonly peer: PartyIndex;
  readonly tag: string;
  /** SHA-256 (hex) of the payload. */
  readonly digest: string;
  /** The payload (hex) when it is at most 32 bytes (digest and verdict messages). */
  readonly payload?: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** SHA-256 of bytes. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function record(dir: 'sent' | 'received', peer: PartyIndex, tag: string, payload: Uint8Array): TranscriptRecord {
  return { dir, peer, tag, digest: hex(sha256(payload)), ...(payload.length <= 32 ? { payload: hex(payload) } : {}) };
}

/** The recording channel. */
export class TranscriptChannel extends ForwardingChannel {
  readonly #records: TranscriptRecord[] = [];

  constructor(inner: Channel) {
    super(inner);
  }

  override async send(to: PartyIndex, tag: string, payload: Uint8Array): Promise<void> {
    this.#records.push(record('sent', to, tag, payload));
    return this.inner.send(to, tag, payload);
  }

  override async recv(from: PartyIndex, tag: string): Promise<Uint8Array> {
    const payload = await this.inner.recv(from, tag);
    this.#records.push(record('received', from, tag, payload));
    return payload;
  }

  /** The records of every message whose tag is `step` or lies under it (`step/...`), in order. */
  recordsOf(step: string): TranscriptRecord[] {
    return this.#records.filter((r) => r.tag === step || r.tag.startsWith(`${step}/`));
  }
}
