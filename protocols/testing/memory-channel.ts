/**
 * @module protocols/testing/memory-channel
 * An in-memory {@link Channel} network of three parties in one process, for unit tests and
 * local simulation. Messages are queued per (from, to, tag) and delivered asynchronously, so
 * three parties running concurrently under `Promise.all` interleave as they would over a real
 * transport. Rounds and bytes are counted by the rule in channel.ts.
 *
 * Failure is first-class, because a protocol must never hang: `kill(party)` makes every pending
 * and future receive from (or by) that party reject with a `PartyUnavailableError` naming it,
 * and an optional per-receive timeout rejects with a `ChannelTimeoutError`.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { ChannelTimeoutError, DuplicateMessageError, PartyUnavailableError } from '../channel/errors.js';
import type { Channel, ChannelStats, PartyIndex } from '../channel/channel.js';

/** Options of {@link createMemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Reject a receive that waits longer than this many milliseconds (default: no timeout). */
  readonly recvTimeoutMs?: number;
  /**
   * Delay each message by a pseudo-random 0..maxDelayMs milliseconds (default 0: delivered on
   * the next tick in send order). Reorders arrivals across tags and senders, which flushes out
   * protocols whose parties disagree on tags when calls run concurrently.
   */
  readonly maxDelayMs?: number;
  /** Seed of the delay sequence (default 1), so a reordering is reproducible. */
  readonly delaySeed?: number;
}

/** Three linked channels plus the failure controls of the simulated network. */
export interface MemoryNetwork {
  /** The channel of party 0, 1 and 2, in that order. */
  readonly channels: readonly [Channel, Channel, Channel];
  /** Declares `party` gone: its pending and future messages fail with `PartyUnavailableError`. */
  kill(party: PartyIndex): void;
  /** Whether `party` has not been killed. */
  isAlive(party: PartyIndex): boolean;
  /**
   * Latency depth so far: the length of the longest chain of messages each of which was sent
   * after its sender received the previous one (Lamport clocks). Unlike the per-channel
   * `rounds`, it sees that a message P0 -> P2 followed by P2 -> P1 costs two hops even when
   * P0 itself never waited. Protocol round costs in docs/protocols-rss.md are this depth.
   */
  depth(): number;
  /** Sets every party's clock to the current `depth()`, so the next protocol is measured alone. */
  alignClocks(): void;
}

/** A queued message: payload plus the Lamport depth at which it arrives. */
interface Envelope {
  readonly payload: Uint8Array;
  readonly stamp: number;
}

interface Waiter {
  readonly from: PartyIndex;
  readonly to: PartyIndex;
  resolve(msg: Envelope): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function checkParty(name: string, p: unknown): PartyIndex {
  if (p !== 0 && p !== 1 && p !== 2) throw new InvalidArgumentError(`${name}: expected party index 0, 1 or 2, got ${String(p)}`);
  return p;
}

function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag.length === 0) throw new InvalidArgumentError(`tag: expected non-empty string, got ${typeof tag}`);
  return tag;
}

const key = (from: PartyIndex, to: PartyIndex, tag: string): string => `${from}>${to}|${tag}`;

/** Shared state of the three channels. */
class Switchboard {
  readonly queued = new Map<string, Envelope>();
  /** Lamport clock per party: depth of the longest message chain it has seen. */
  readonly clocks = [0, 0, 0];
  readonly waiting = new Map<string, Waiter>();
  /** Every (from, to, tag) ever sent, to catch a reused tag even after delivery. */
  readonly sent = new Set<string>();
  /** Every (from, to, tag) ever received, to catch a second receive of one message. */
  readonly received = new Set<string>();
  readonly dead = new Set<PartyIndex>();

  #rand: number;

  constructor(
    readonly recvTimeoutMs: number | undefined,
    readonly maxDelayMs: number,
    delaySeed: number,
  ) {
    this.#rand = delaySeed >>> 0 || 1;
  }

  /** Next delay in 0..maxDelayMs (xorshift32: reproducible, not security relevant). */
  nextDelay(): number {
    let x = this.#rand;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rand = x >>> 0;
    return (this.#rand / 2 ** 32) * this.maxDelayMs;
  }

  kill(party: PartyIndex): void {
    this.dead.add(party);
    for (const [k, w] of this.waiting) {
      if (w.from === party || w.to === party) {
        this.waiting.delete(k);
        if (w.timer !== undefined) clearTimeout(w.timer);
        w.reject(new PartyUnavailableError(party));
      }
    }
    for (const k of this.queued.keys()) {
      if (k.startsWith(`${party}>`) || k.includes(`>${party}|`)) this.queued.delete(k);
    }
  }
}

class MemoryChannel implements Channel {
  readonly #board: Switchboard;
  readonly #stats: ChannelStats = { rounds: 0, bytesSent: 0, bytesReceived: 0, messagesSent: 0 };
  /** True until the first send, and again after every completed receive (channel.ts rule). */
  #roundOpen = true;

  constructor(
    readonly self: PartyIndex,
    readonly jobId: string,
    board: Switchboard,
  ) {
    this.#board = board;
  }

  get stats(): Readonly<ChannelStats> {
    return { ...this.#stats };
  }

  async send(to: PartyIndex, tag: string, payload: Uint8Array): Promise<void> {
    checkParty('to', to);
    checkTag(tag);
    if (to === this.self) throw new InvalidArgumentError(`to: party ${this.self} cannot send to itself`);
    if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError('payload: expected Uint8Array');
    const board = this.#board;
    if (board.dead.has(this.self)) throw new PartyUnavailableError(this.self);
    const k = key(this.self, to, tag);
    if (board.sent.has(k)) throw new DuplicateMessageError(this.self, to, tag);
    board.sent.add(k);
    if (this.#roundOpen) {
      this.#stats.rounds++;
      this.#roundOpen = false;
    }
    this.#stats.bytesSent += payload.length;
    this.#stats.messagesSent++;
    // A message to a dead party is dropped, as a real transport would publish into the void.
    if (board.dead.has(to)) return;
    // Copy: the sender may reuse its buffer as soon as send resolves.
    const msg: Envelope = { payload: Uint8Array.from(payload), stamp: board.clocks[this.self]! + 1 };
    const from = this.self;
    const deliver = (later: boolean): void => {
      if (board.dead.has(from) || board.dead.has(to)) return;
      const w = board.waiting.get(k);
      if (w !== undefined) {
        board.waiting.delete(k);
        if (w.timer !== undefined) clearTimeout(w.timer);
        // The receiver never runs inside send(): resolve on a later tick, as a network would.
        if (later) w.resolve(msg);
        else setImmediate(() => w.resolve(msg));
      } else {
        board.queued.set(k, msg);
      }
    };
    if (board.maxDelayMs > 0) setTimeout(() => deliver(true), board.nextDelay());
    else deliver(false);
  }

  recv(from: PartyIndex, tag: string): Promise<Uint8Array> {
    try {
      checkParty('from', from);
      checkTag(tag);
      if (from === this.self) throw new InvalidArgumentError(`from: party ${this.self} cannot receive from itself`);
    } catch (err) {
      return Promise.reject(err);
    }
    const board = this.#board;
    if (board.dead.has(from)) return Promise.reject(new PartyUnavailableError(from));
    if (board.dead.has(this.self)) return Promise.reject(new PartyUnavailableError(this.self));
    const k = key(from, this.self, tag);
    if (board.received.has(k)) {
      return Promise.reject(new InvalidArgumentError(`tag: party ${this.self} already received "${tag}" from party ${from}`));
    }
    board.received.add(k);
    const done = (msg: Envelope): Uint8Array => {
      this.#stats.bytesReceived += msg.payload.length;
      this.#roundOpen = true;
      board.clocks[this.self] = Math.max(board.clocks[this.self]!, msg.stamp);
      return msg.payload;
    };
    const ready = board.queued.get(k);
    if (ready !== undefined) {
      board.queued.delete(k);
      return new Promise((resolve) => setImmediate(() => resolve(done(ready))));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const w: Waiter = { from, to: this.self, resolve: (p) => resolve(done(p)), reject, timer: undefined };
      const ms = board.recvTimeoutMs;
      if (ms !== undefined) {
        w.timer = setTimeout(() => {
          board.waiting.delete(k);
          reject(new ChannelTimeoutError(from, tag, ms));
        }, ms);
      }
      board.waiting.set(k, w);
    });
  }
}

/**
 * Three linked in-memory channels for job `jobId`.
 * @throws InvalidArgumentError when `jobId` is empty or `recvTimeoutMs` is not a positive number.
 */
export function createMemoryNetwork(jobId: string, opts: MemoryNetworkOptions = {}): MemoryNetwork {
  if (typeof jobId !== 'string' || jobId.length === 0) throw new InvalidArgumentError('jobId: expected non-empty string');
  const ms = opts.recvTimeoutMs;
  if (ms !== undefined && (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms))) {
    throw new InvalidArgumentError(`recvTimeoutMs: expected positive finite number, got ${String(ms)}`);
  }
  const delay = opts.maxDelayMs ?? 0;
  if (typeof delay !== 'number' || !(delay >= 0) || !Number.isFinite(delay)) {
    throw new InvalidArgumentError(`maxDelayMs: expected non-negative finite number, got ${String(delay)}`);
  }
  const seed = opts.delaySeed ?? 1;
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`delaySeed: expected integer, got ${String(seed)}`);
  const board = new Switchboard(ms, delay, seed);
  const channels = [0, 1, 2].map((p) => new MemoryChannel(p as PartyIndex, jobId, board)) as [MemoryChannel, MemoryChannel, MemoryChannel];
  return Object.freeze({
    channels,
    kill(party: PartyIndex) {
      board.kill(checkParty('party', party));
    },
    isAlive(party: PartyIndex) {
      return !board.dead.has(checkParty('party', party));
    },
    depth() {
      return Math.max(...board.clocks);
    },
    alignClocks() {
      const d = Math.max(...board.clocks);
      board.clocks.fill(d);
    },
  });
}
