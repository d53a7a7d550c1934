/**
 * @module services/transport/nats-channel
 * A {@link Channel} over NATS with every payload sealed end to end between the two parties.
 *
 * One subject per job and direction (`subjects.p2p(job, from, to)`); a party subscribes to the
 * two subjects addressed to it. Each message is cut into chunks that fit the server's
 * `max_payload`, and each chunk is one sealed frame (see sealed-frame) with the next sequence
 * number of its direction. The receiver accepts exactly the next sequence number:
 * - a frame that does not authenticate (forged sender, other job, altered bytes) is dropped;
 * - an authentic frame with an old sequence number is a replay and is dropped;
 * - an authentic frame with a later sequence number means frames were lost (broker restart,
 *   slow consumer) and fails the channel, so a job fails instead of computing on a gap.
 * Every drop is reported through `onReject`, never processed.
 *
 * Listening notices ({@link NatsChannel.announceListening}) let the parties start a job without
 * a start message: a notice is an empty sealed frame with a reserved tag and one of the two
 * highest sequence numbers (which the frame counter never reaches, so their AES-GCM nonces are
 * never a data frame's). It sits outside the sequence: a notice sent before the peer listened is
 * simply lost, and made up for by the echo the peer sends when it hears ours.
 *
 * Why the care with callbacks: the nats v2 client stops delivering to a subscription whose
 * callback throws, so the callback catches everything; and it hands out Buffer views at odd
 * offsets, so payloads are always fresh copies (decryption makes one) before anyone views them
 * as BigUint64Array.
 */
import type { NatsConnection, Subscription } from 'nats';
import type { Channel, ChannelStats, PartyIndex } from '../../protocols/channel/channel.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { subjects } from '../wire/api.js';
import { checkJobId, deriveDirectionKey } from './channel-keys.js';
import { FRAME_OVERHEAD, MAX_TAG_BYTES, openFrame, parseHeader, sealFrame } from './sealed-frame.js';
import { ChannelClosedError, ChannelDeadlineError, ChannelStreamError } from './errors.js';
import { PartyUnavailableError } from '../../protocols/rss/errors.js';

/** Why a frame was dropped. */
export type RejectReason = 'malformed' | 'misdirected' | 'forged' | 'replay' | 'reordered' | 'gap';

/** A dropped frame, for logs and tests. */
export interface RejectedFrame {
  jobId: string;
  /** The sender the subject claims. */
  from: number;
  reason: RejectReason;
  detail: string;
}

/** Options of {@link NatsChannel.open}. */
export interface NatsChannelOptions {
  nc: NatsConnection;
  jobId: string;
  self: PartyIndex;
  /** This party's X25519 secret key. */
  agreementSecretKey: Uint8Array;
  /** The other two parties' X25519 public keys, by index. */
  peerAgreementKeys: Partial<Record<PartyIndex, Uint8Array>>;
  /** Epoch milliseconds after which every pending and later `recv` rejects. */
  deadline?: number;
  /** Called for every dropped frame. */
  onReject?: (r: RejectedFrame) => void;
  /** Largest chunk body in bytes; default: the server's max_payload minus framing. */
  maxChunkBytes?: number;
}

interface Waiter {
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
}

interface PartialMessage {
  tag: string;
  chunks: number;
  next: number;
  parts: Uint8Array[];
  size: number;
}

/** Bytes published between two `flush()` calls: a flush waits for the server, which is our only backpressure. */
const FLUSH_EVERY_BYTES = 4 << 20;
/** Room left in max_payload for the protocol line of a PUB. */
const PUB_MARGIN = 512;
/** Sequence number of the first listening notice to a peer. */
const LISTENING_SEQ = 0xffff_ffff_ffff_ffffn;
/** Sequence number of the echo sent when a peer's notice is heard. */
const LISTENING_ECHO_SEQ = LISTENING_SEQ - 1n;
/** Tag of listening notices. */
const LISTENING_TAG = 'mpc/listening';

/** The NATS channel of one party for one job. */
export class NatsChannel implements Channel {
  readonly self: PartyIndex;
  readonly jobId: string;
  readonly #nc: NatsConnection;
  readonly #sendKeys = new Map<number, Uint8Array>();
  readonly #recvKeys = new Map<number, Uint8Array>();
  readonly #sendSeq = new Map<number, bigint>();
  readonly #recvSeq = new Map<number, bigint>();
  readonly #partial = new Map<number, PartialMessage | undefined>();
  readonly #queues = new Map<string, Uint8Array[]>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #subs: Subscription[] = [];
  readonly #onReject: ((r: RejectedFrame) => void) | undefined;
  readonly #maxChunk: number;
  readonly #stats: ChannelStats = { rounds: 0, bytesSent: 0, bytesReceived: 0, messagesSent: 0 };
  #recvSinceSend = true;
  /** Peers whose listening notice has been received. */
  readonly #peersListening = new Set<number>();
  /** Notices sent, per peer, by sequence number (each at most once: a nonce is never reused). */
  readonly #noticesSent = new Map<number, Set<bigint>>();
  readonly #listeningWaiters: Waiter[] = [];
  #unflushed = 0;
  #failure: Error | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Frames dropped so far, by reason. */
  readonly rejected: Record<RejectReason, number> = { malformed: 0, misdirected: 0, forged: 0, replay: 0, reordered: 0, gap: 0 };

  private constructor(opts: NatsChannelOptions) {
    this.self = opts.self;
    this.jobId = opts.jobId;
    this.#nc = opts.nc;
    this.#onReject = opts.onReject;
    const serverMax = opts.nc.info?.max_payload ?? 1 << 20;
    const fit = serverMax - FRAME_OVERHEAD - MAX_TAG_BYTES - PUB_MARGIN;
    this.#maxChunk = Math.max(1024, Math.min(opts.maxChunkBytes ?? fit, fit));
    for (const p of [0, 1, 2] as const) {
      if (p === opts.self) continue;
      const pk = opts.peerAgreementKeys[p];
      if (!(pk instanceof Uint8Array)) throw new InvalidArgumentError(`peerAgreementKeys[${p}]: expected 32-byte Uint8Array`);
      this.#sendKeys.set(p, deriveDirectionKey(opts.agreementSecretKey, pk, opts.jobId, opts.self, p));
      this.#recvKeys.set(p, deriveDirectionKey(opts.agreementSecretKey, pk, opts.jobId, p, opts.self));
      this.#sendSeq.set(p, 0n);
      this.#recvSeq.set(p, 0n);
    }
  }

  /**
   * Subscribes to this party's two incoming subjects of the job and waits until the server has
   * registered them (a flush), so that a peer may send as soon as this resolves.
   */
  static async open(opts: NatsChannelOptions): Promise<NatsChannel> {
    checkJobId(opts.jobId);
    if (opts.self !== 0 && opts.self !== 1 && opts.self !== 2) throw new InvalidArgumentError(`self: expected 0, 1 or 2, got ${String(opts.self)}`);
    const ch = new NatsChannel(opts);
    for (const from of ch.#recvKeys.keys()) {
      const sub = opts.nc.subscribe(subjects.p2p(opts.jobId, from, opts.self), {
        callback: (err, msg) => {
          try {
            if (err) ch.fail(err);
            else ch.#onFrame(from, msg.data);
          } catch (e) {
            ch.fail(e instanceof Error ? e : new Error(String(e)));
          }
        },
      });
      ch.#subs.push(sub);
    }
    if (opts.deadline !== undefined) {
      const ms = Math.max(0, opts.deadline - Date.now());
      ch.#timer = setTimeout(() => ch.fail(new ChannelDeadlineError(`job ${opts.jobId}: deadline passed while party ${opts.self} was waiting for a message`)), ms);
      ch.#timer.unref?.();
    }
    await opts.nc.flush();
    return ch;
  }

  /**
   * Tells both peers that this party listens (call it only after {@link open} resolved) and
   * resolves once both peers have said the same, i.e. once every party of the job has its
   * subscriptions registered, so that a data frame sent afterwards cannot be lost for want of a
   * subscriber. Rejects when the channel fails first (abort, deadline, lost connection).
   *
   * Why it terminates on one server: of two peers, the one whose subscription was registered
   * later sends its notice after the other already listens, so the other hears it and echoes;
   * the echo goes to a party that provably listens (it just sent from behind a flush).
   */
  announceListening(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    for (const p of this.#sendKeys.keys()) this.#sendNotice(p, LISTENING_SEQ);
    if (this.#peersListening.size === this.#sendKeys.size) return Promise.resolve();
    return new Promise((resolve, reject) => this.#listeningWaiters.push({ resolve: () => resolve(), reject }));
  }

  /** Counters so far. */
  get stats(): Readonly<ChannelStats> {
    return this.#stats;
  }

  /** The error that ended this channel, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  async send(to: PartyIndex, tag: string, payload: Uint8Array): Promise<void> {
    if (this.#failure) throw this.#failure;
    const key = this.#sendKeys.get(to);
    if (!key) throw new InvalidArgumentError(`to: expected a peer party index other than ${this.self}, got ${String(to)}`);
    if (typeof tag !== 'string') throw new InvalidArgumentError(`tag: expected string, got ${typeof tag}`);
    if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError('payload: expected Uint8Array');
    if (this.#recvSinceSend) {
      this.#stats.rounds++;
      this.#recvSinceSend = false;
    }
    this.#stats.messagesSent++;
    this.#stats.bytesSent += payload.length;
    const subject = subjects.p2p(this.jobId, this.self, to);
    const chunks = Math.max(1, Math.ceil(payload.length / this.#maxChunk));
    // All chunks of one message are published without an await in between, so chunks of two
    // messages to the same peer (concurrent sends) can never interleave on the subject.
    for (let c = 0; c < chunks; c++) {
      const seq = this.#sendSeq.get(to)!;
      this.#sendSeq.set(to, seq + 1n);
      const body = payload.subarray(c * this.#maxChunk, Math.min(payload.length, (c + 1) * this.#maxChunk));
      const frame = sealFrame(key, { from: this.self, to, seq, chunk: c, chunks, tag }, body);
      this.#nc.publish(subject, frame);
      this.#unflushed += frame.length;
    }
    if (this.#unflushed >= FLUSH_EVERY_BYTES) {
      this.#unflushed = 0;
      await this.#nc.flush();
    }
  }

  recv(from: PartyIndex, tag: string): Promise<Uint8Array> {
    if (!this.#recvKeys.has(from)) return Promise.reject(new InvalidArgumentError(`from: expected a peer party index other than ${this.self}, got ${String(from)}`));
    const key = `${from}|${tag}`;
    const q = this.#queues.get(key);
    if (q && q.length > 0) {
      const m = q.shift()!;
      if (q.length === 0) this.#queues.delete(key);
      this.#delivered(m);
      return Promise.resolve(m);
    }
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(key) ?? [];
      list.push({
        resolve: (m) => {
          this.#delivered(m);
          resolve(m);
        },
        reject,
      });
      this.#waiters.set(key, list);
    });
  }

  /** Fails the channel: every pending and later `recv` and `send` rejects with `err`. Idempotent. */
  fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    if (this.#timer) clearTimeout(this.#timer);
    for (const list of this.#waiters.values()) for (const w of list) w.reject(err);
    this.#waiters.clear();
    for (const w of this.#listeningWaiters.splice(0)) w.reject(err);
  }

  /** Declares party `party` gone: pending and later receives reject with a {@link PartyUnavailableError}. */
  declarePeerGone(party: PartyIndex, reason: string): void {
    this.fail(new PartyUnavailableError(party, `job ${this.jobId}: party ${party} is gone (${reason})`));
  }

  /** Unsubscribes and ends the channel; pending receives reject with {@link ChannelClosedError}. */
  close(): void {
    this.fail(new ChannelClosedError(`job ${this.jobId}: channel of party ${this.self} closed`));
    for (const s of this.#subs) s.unsubscribe();
    this.#subs.length = 0;
    for (const k of [...this.#sendKeys.values(), ...this.#recvKeys.values()]) k.fill(0);
  }

  #delivered(m: Uint8Array): void {
    this.#stats.bytesReceived += m.length;
    this.#recvSinceSend = true;
  }

  #reject(from: number, reason: RejectReason, detail: string): void {
    this.rejected[reason]++;
    this.#onReject?.({ jobId: this.jobId, from, reason, detail });
  }

  /** Sends the listening notice `seq` to `to`, unless it was sent already. */
  #sendNotice(to: number, seq: bigint): void {
    const sent = this.#noticesSent.get(to) ?? new Set<bigint>();
    if (sent.has(seq)) return;
    sent.add(seq);
    this.#noticesSent.set(to, sent);
    const frame = sealFrame(this.#sendKeys.get(to)!, { from: this.self, to, seq, chunk: 0, chunks: 1, tag: LISTENING_TAG }, new Uint8Array(0));
    this.#nc.publish(subjects.p2p(this.jobId, this.self, to), frame);
  }

  /** An authentic listening notice from `from`: it listens; echo so that it learns we do too. */
  #onNotice(from: number): void {
    this.#sendNotice(from, LISTENING_ECHO_SEQ);
    if (this.#peersListening.has(from)) return;
    this.#peersListening.add(from);
    if (this.#peersListening.size === this.#sendKeys.size) for (const w of this.#listeningWaiters.splice(0)) w.resolve(new Uint8Array(0));
  }

  #onFrame(from: number, data: Uint8Array): void {
    if (this.#failure) return;
    const parsed = parseHeader(data);
    if (typeof parsed === 'string') return this.#reject(from, 'malformed', parsed);
    const h = parsed.header;
    if (h.from !== from || h.to !== this.self) return this.#reject(from, 'misdirected', `header says ${h.from}->${h.to} on the subject of ${from}->${this.self}`);
    if (h.seq === LISTENING_SEQ || h.seq === LISTENING_ECHO_SEQ) {
      if (h.tag !== LISTENING_TAG || h.chunks !== 1) return this.#reject(from, 'malformed', `reserved sequence ${h.seq} on a frame tagged '${h.tag}'`);
      try {
        openFrame(this.#recvKeys.get(from)!, data, parsed);
      } catch (e) {
        return this.#reject(from, 'forged', e instanceof Error ? e.message : String(e));
      }
      return this.#onNotice(from);
    }
    let body: Uint8Array;
    try {
      body = openFrame(this.#recvKeys.get(from)!, data, parsed);
    } catch (e) {
      return this.#reject(from, 'forged', e instanceof Error ? e.message : String(e));
    }
    const expected = this.#recvSeq.get(from)!;
    if (h.seq < expected) return this.#reject(from, 'replay', `sequence ${h.seq} already received (expected ${expected})`);
    if (h.seq > expected) {
      this.#reject(from, 'gap', `sequence ${h.seq} while ${expected} was expected`);
      this.fail(new ChannelStreamError(from, `job ${this.jobId}: frames from party ${from} were lost (got sequence ${h.seq}, expected ${expected})`));
      return;
    }
    this.#recvSeq.set(from, expected + 1n);
    let p = this.#partial.get(from);
    if (h.chunk === 0) {
      if (p) {
        this.#reject(from, 'reordered', `new message '${h.tag}' started before '${p.tag}' was complete`);
        this.fail(new ChannelStreamError(from, `job ${this.jobId}: message from party ${from} cut short`));
        return;
      }
      p = { tag: h.tag, chunks: h.chunks, next: 0, parts: [], size: 0 };
    } else if (!p || p.tag !== h.tag || p.chunks !== h.chunks || p.next !== h.chunk) {
      this.#reject(from, 'reordered', `chunk ${h.chunk}/${h.chunks} of '${h.tag}' out of place`);
      this.fail(new ChannelStreamError(from, `job ${this.jobId}: chunks from party ${from} out of order`));
      return;
    }
    p.parts.push(body);
    p.size += body.length;
    p.next++;
    if (p.next < p.chunks) {
      this.#partial.set(from, p);
      return;
    }
    this.#partial.set(from, undefined);
    let msg: Uint8Array;
    if (p.parts.length === 1) msg = p.parts[0]!;
    else {
      msg = new Uint8Array(p.size);
      let off = 0;
      for (const part of p.parts) {
        msg.set(part, off);
        off += part.length;
      }
    }
    const key = `${from}|${p.tag}`;
    const waiters = this.#waiters.get(key);
    if (waiters && waiters.length > 0) {
      const w = waiters.shift()!;
      if (waiters.length === 0) this.#waiters.delete(key);
      w.resolve(msg);
      return;
    }
    const q = this.#queues.get(key) ?? [];
    q.push(msg);
    this.#queues.set(key, q);
  }
}
