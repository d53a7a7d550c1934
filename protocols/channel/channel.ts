/**
 * @module protocols/channel/channel
 * The transport a protocol runs over: send bytes to / receive bytes from a party by index,
 * tagged by protocol step. One Channel serves one job; the job id is bound when the channel is
 * made (a NATS channel puts it in the subject and the AEAD header). Protocols never see NATS.
 *
 * Rounds are counted by the channel, not by the protocol: a round starts at the first send
 * that follows a completed receive (or the first send of all). Sending to both peers and then
 * receiving from both is therefore one round, as in the papers' cost tables.
 */

/** Index of one of the three parties. */
export type PartyIndex = 0 | 1 | 2;

/** Communication counters of one channel. */
export interface ChannelStats {
  /** Communication rounds so far (see module doc). */
  rounds: number;
  /** Payload bytes sent (before any transport framing or encryption). */
  bytesSent: number;
  /** Payload bytes received. */
  bytesReceived: number;
  /** Messages sent. */
  messagesSent: number;
}

/** A party's view of the network for one job. */
export interface Channel {
  /** This party's index. */
  readonly self: PartyIndex;
  /** The job this channel belongs to. */
  readonly jobId: string;
  /** Sends `payload` to party `to` under `tag`. Resolves once handed to the transport. */
  send(to: PartyIndex, tag: string, payload: Uint8Array): Promise<void>;
  /**
   * Receives the payload party `from` sent under `tag`. Rejects (never hangs) when the peer
   * is declared gone, the job deadline passes, or the channel is closed.
   */
  recv(from: PartyIndex, tag: string): Promise<Uint8Array>;
  /** Counters so far. */
  readonly stats: Readonly<ChannelStats>;
}

/** Index of the next party (i + 1 mod 3). */
export function nextParty(i: PartyIndex): PartyIndex {
  return ((i + 1) % 3) as PartyIndex;
}

/** Index of the previous party (i - 1 mod 3). */
export function prevParty(i: PartyIndex): PartyIndex {
  return ((i + 2) % 3) as PartyIndex;
}
