/**
 * @module protocols/channel/forwarding-channel
 * A {@link Channel} that hands everything to an inner channel: the base of wrappers that look
 * at or change some messages (the malicious mode's transcript, the tests' cheating party).
 */
import type { Channel, ChannelStats, PartyIndex } from './channel.js';

/** Forwards every call to `inner`; subclasses override `send` / `recv`. */
export class ForwardingChannel implements Channel {
  protected readonly inner: Channel;

  constructor(inner: Channel) {
    this.inner = inner;
  }

  get self(): PartyIndex {
    return this.inner.self;
  }

  get jobId(): string {
    return this.inner.jobId;
  }

  get stats(): Readonly<ChannelStats> {
    return this.inner.stats;
  }

  send(to: PartyIndex, tag: string, payload: Uint8Array): Promise<void> {
    return this.inner.send(to, tag, payload);
  }

  recv(from: PartyIndex, tag: string): Promise<Uint8Array> {
    return this.inner.recv(from, tag);
  }
}
