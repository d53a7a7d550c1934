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
 * Fresh keys per run (see channel-keys): on open, a party draws a 32-byte job nonce and sends it
 * to both peers in a clear hello (channel-hello), and echoes its hello to a peer whose hello it
 * hears (that peer provably listens, so the echo cannot be lost; once per nonce heard, at most
 * three times). Once it knows both
 * peers' nonces it derives the direction keys and pairwise PRF seeds from all three, its own slot
 * taken from memory, and sends each peer a listening notice sealed under the new key. Sealed
 * frames that arrive from a peer whose hello was heard but before the keys exist wait in a
 * bounded buffer; a sealed frame before the sender's hello is refused, because an honest peer
 * always says hello first on the same subject (NATS keeps one publisher's order per subject).
 * `send` waits for the keys.
 *
 * Steps are named on the wire by opaque ids (step-ids: HMAC of the label under a per-run,
 * per-direction key), never by their labels, so the broker learns no layer or operation names;
 * messages are routed by id, and `recv` before the keys exist waits for them (the id needs the
 * key). Reject reports name the label when this side knows it.
 *
 * Listening notices ({@link NatsChannel.announceListening}) let the parties start a job without
 * a start message: a notice is an empty sealed frame with the reserved step id and the highest
 * sequence number (which the frame counter never reaches, so its AES-GCM nonce is never a data
 * frame's). Sealed under the nonce-bound key, a notice from a peer proves that the peer listens
 * and uses the same three nonces: a notice or hello replayed from an earlier run of the same job
 * id does not authenticate, so a party never starts on it.
 *
 * Why the care with callbacks: the nats v2 client stops delivering to a subscription whose
 * callback throws, so the callback catches everything; and it hands out Buffer views at odd
 * offsets, so payloads are always fresh copies (decryption makes one) before anyone views them
 * as BigUint64Array.
 */
import type { NatsConnection, Subscription } from 'nats';
import type { Channel, ChannelStats, PartyIndex } from '../../protocols/channel/channel.js';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { agree } from '../../crypto-core/keys/agreement.js';
import type { PairwiseSeeds } from '../../protocols/rss/correlated-randomness.js';
import { subjects } from '../wire/api.js';
import { checkJobId, directionKeyFromShared, JOB_NONCE_LENGTH, pairwiseSeedFromShared, stepKeyFromShared, type JobNonces } from './channel-keys.js';
import { encodeHello, HELLO_SEQ, helloNonce } from './channel-hello.js';
import { FRAME_OVERHEAD, openFrame, parseHeader, sealFrame, type FrameHeader } from './sealed-frame.js';
import { isReservedStep, RESERVED_STEP, StepIds } from './step-ids.js';
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
  /** Source of this party's job nonce (default: node:crypto); a parameter so that tests can fix it. */
  randomBytes?: (n: number) => Uint8Array;
}

interface Waiter {
  resolve: (b: Uint8Array) => void;
  reject: (e: Error) => void;
}

interface PartialMessage {
  /** Hex of the step id. */
  step: string;
  chunks: number;
  next: number;
  parts: Uint8Array[];
  size: number;
}

/** Bytes published between two `flush()` calls: a flush waits for the server, which is our only backpressure. */
const FLUSH_EVERY_BYTES = 4 << 20;
/** Room left in max_payload for the protocol line of a PUB. */
const PUB_MARGIN = 512;
/** Sequence number of the listening notice to a peer. */
const LISTENING_SEQ = 0xffff_ffff_ffff_ffffn;
/** Echoes of our hello to one peer, at most. */
const MAX_HELLO_ECHOES = 3;
/** Bytes of sealed frames a peer may have waiting for the keys before the channel fails. */
const MAX_PENDING_BYTES = 64 << 20;

/** The NATS channel of one party for one job. */
export class NatsChannel implements Channel {
  readonly self: PartyIndex;
  readonly jobId: string;
  readonly #nc: NatsConnection;
  /** The two peers' indices. */
  readonly #peers: number[];
  /** X25519 shared secret with each peer, computed once; keys come from it once the nonces are known. */
  readonly #shared = new Map<number, Uint8Array>();
  /** This party's nonce for this run: drawn here, never read from a message. */
  readonly #ownNonce: Uint8Array;
  /** Each peer's nonce, from the first hello heard from it. */
  readonly #peerNonces = new Map<number, Uint8Array>();
  /** Hellos echoed to each peer so far (at most {@link MAX_HELLO_ECHOES}). */
  readonly #helloEchoes = new Map<number, number>();
  readonly #sendKeys = new Map<number, Uint8Array>();
  readonly #recvKeys = new Map<number, Uint8Array>();
  /** Step ids of the labels this side sends to / receives from each peer. */
  readonly #sendSteps = new Map<number, StepIds>();
  readonly #recvSteps = new Map<number, StepIds>();
  #nonces: JobNonces | undefined;
  #seeds: PairwiseSeeds | undefined;
  readonly #keysReady: Promise<void>;
  #keysSettle!: { resolve: () => void; reject: (e: Error) => void };
  /** Sealed frames from a peer whose hello was heard, received before the keys were derived. */
  readonly #pending = new Map<number, Uint8Array[]>();
  #pendingBytes = 0;
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
    const fit = serverMax - FRAME_OVERHEAD - PUB_MARGIN;
    this.#maxChunk = Math.max(1024, Math.min(opts.maxChunkBytes ?? fit, fit));
    this.#peers = [0, 1, 2].filter((p) => p !== opts.self);
    for (const p of this.#peers) {
      const pk = opts.peerAgreementKeys[p as PartyIndex];
      if (!(pk instanceof Uint8Array)) throw new InvalidArgumentError(`peerAgreementKeys[${p}]: expected 32-byte Uint8Array`);
      this.#shared.set(p, agree(opts.agreementSecretKey, pk));
      this.#sendSeq.set(p, 0n);
      this.#recvSeq.set(p, 0n);
    }
    const nonce = (opts.randomBytes ?? ((n: number) => new Uint8Array(nodeRandomBytes(n))))(JOB_NONCE_LENGTH);
    if (!(nonce instanceof Uint8Array) || nonce.length !== JOB_NONCE_LENGTH) throw new InvalidArgumentError(`randomBytes: expected ${JOB_NONCE_LENGTH} bytes`);
    this.#ownNonce = Uint8Array.from(nonce);
    this.#keysReady = new Promise<void>((resolve, reject) => (this.#keysSettle = { resolve, reject }));
    // A channel that fails before its keys exist rejects this promise; nobody may be waiting.
    this.#keysReady.catch(() => undefined);
  }

  /**
   * Subscribes to this party's two incoming subjects of the job and waits until the server has
   * registered them (a flush), so that a peer may send as soon as this resolves.
   */
  static async open(opts: NatsChannelOptions): Promise<NatsChannel> {
    checkJobId(opts.jobId);
    if (opts.self !== 0 && opts.self !== 1 && opts.self !== 2) throw new InvalidArgumentError(`self: expected 0, 1 or 2, got ${String(opts.self)}`);
    const ch = new NatsChannel(opts);
    for (const from of ch.#peers) {
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
    // Subscribed: a peer that hears this hello may answer at once.
    for (const p of ch.#peers) ch.#sendHello(p);
    return ch;
  }

  /**
   * Resolves once both peers' listening notices have arrived, i.e. once every party of the job
   * has its subscriptions registered and has derived the same keys from the same three nonces, so
   * that a data frame sent afterwards cannot be lost for want of a subscriber. (The notices are
   * sent by themselves when the keys are derived.) Rejects when the channel fails first (abort,
   * deadline, lost connection).
   *
   * Why it terminates on one server: of two peers, the one whose subscription was registered
   * later sends its hello after the other already listens, so the other hears it and echoes its
   * own hello to a party that provably listens; each then knows the other's nonce, and a notice
   * goes only to a peer whose hello was heard.
   */
  announceListening(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#peersListening.size === this.#peers.length) return Promise.resolve();
    return new Promise((resolve, reject) => this.#listeningWaiters.push({ resolve: () => resolve(), reject }));
  }

  /** The three nonces of this run, by party index, once both peers' hellos were heard. */
  async jobNonces(): Promise<JobNonces> {
    await this.#keysReady;
    return this.#nonces!;
  }

  /**
   * This party's pairwise PRF seeds of this run (with the next and the previous party), bound to
   * the job id and the three nonces; fresh copies, so that they outlive {@link close}.
   */
  async pairwiseSeeds(): Promise<PairwiseSeeds> {
    await this.#keysReady;
    return { next: Uint8Array.from(this.#seeds!.next), prev: Uint8Array.from(this.#seeds!.prev) };
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
    if (!this.#peers.includes(to)) throw new InvalidArgumentError(`to: expected a peer party index other than ${this.self}, got ${String(to)}`);
    if (typeof tag !== 'string') throw new InvalidArgumentError(`tag: expected string, got ${typeof tag}`);
    if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError('payload: expected Uint8Array');
    if (this.#recvSinceSend) {
      this.#stats.rounds++;
      this.#recvSinceSend = false;
    }
    this.#stats.messagesSent++;
    this.#stats.bytesSent += payload.length;
    // Before the peers' nonces are known there is no key; sends waiting here resume in call order.
    if (!this.#nonces) await this.#keysReady;
    if (this.#failure) throw this.#failure;
    const key = this.#sendKeys.get(to)!;
    const step = this.#sendSteps.get(to)!.of(tag).bytes;
    const subject = subjects.p2p(this.jobId, this.self, to);
    const chunks = Math.max(1, Math.ceil(payload.length / this.#maxChunk));
    // All chunks of one message are published without an await in between, so chunks of two
    // messages to the same peer (concurrent sends) can never interleave on the subject.
    for (let c = 0; c < chunks; c++) {
      const seq = this.#sendSeq.get(to)!;
      this.#sendSeq.set(to, seq + 1n);
      const body = payload.subarray(c * this.#maxChunk, Math.min(payload.length, (c + 1) * this.#maxChunk));
      const frame = sealFrame(key, { from: this.self, to, seq, chunk: c, chunks, step }, body);
      this.#nc.publish(subject, frame);
      this.#unflushed += frame.length;
    }
    if (this.#unflushed >= FLUSH_EVERY_BYTES) {
      this.#unflushed = 0;
      await this.#nc.flush();
    }
  }

  recv(from: PartyIndex, tag: string): Promise<Uint8Array> {
    if (!this.#peers.includes(from)) return Promise.reject(new InvalidArgumentError(`from: expected a peer party index other than ${this.self}, got ${String(from)}`));
    if (typeof tag !== 'string') return Promise.reject(new InvalidArgumentError(`tag: expected string, got ${typeof tag}`));
    // The routing key is the step id, which needs the run's keys: wait for them (in call order).
    if (!this.#nonces) return this.#failure ? Promise.reject(this.#failure) : this.#keysReady.then(() => this.recv(from, tag));
    const key = `${from}|${this.#recvSteps.get(from)!.of(tag).hex}`;
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
    this.#keysSettle.reject(err);
    this.#pending.clear();
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
    for (const k of [...this.#sendKeys.values(), ...this.#recvKeys.values(), ...this.#shared.values()]) k.fill(0);
    for (const ids of [...this.#sendSteps.values(), ...this.#recvSteps.values()]) ids.wipe();
    this.#seeds?.next.fill(0);
    this.#seeds?.prev.fill(0);
  }

  #delivered(m: Uint8Array): void {
    this.#stats.bytesReceived += m.length;
    this.#recvSinceSend = true;
  }

  #reject(from: number, reason: RejectReason, detail: string): void {
    this.rejected[reason]++;
    this.#onReject?.({ jobId: this.jobId, from, reason, detail });
  }

  /** Sends our hello (our nonce, in clear) to `to`. */
  #sendHello(to: number): void {
    this.#nc.publish(subjects.p2p(this.jobId, this.self, to), encodeHello(this.self, to, this.#ownNonce));
  }

  /** A peer's hello: keep its first nonce, echo ours once, and derive the keys when both are known. */
  #onHello(from: number, data: Uint8Array, parsed: { header: FrameHeader; length: number }): void {
    const nonce = helloNonce(data, parsed);
    if (typeof nonce === 'string') return this.#reject(from, 'malformed', nonce);
    const known = this.#peerNonces.get(from);
    if (known && Buffer.from(known).equals(Buffer.from(nonce))) return;
    // The sender listens (a hello is sent after subscribing) and may have missed our first
    // hello: echo ours, once per nonce heard and a few times at most (a forged or replayed hello
    // heard first must not keep the genuine peer from learning our nonce).
    const echoes = this.#helloEchoes.get(from) ?? 0;
    if (echoes < MAX_HELLO_ECHOES) {
      this.#helloEchoes.set(from, echoes + 1);
      this.#sendHello(from);
    }
    if (known) return this.#reject(from, 'replay', 'a hello with another nonce than the one first heard from this peer');
    this.#peerNonces.set(from, nonce);
    if (this.#peerNonces.size === this.#peers.length) this.#deriveKeys();
  }

  /** Keys and seeds from the three nonces; then the notices, then the frames that waited. */
  #deriveKeys(): void {
    const nonces = [0, 1, 2].map((p) => (p === this.self ? this.#ownNonce : this.#peerNonces.get(p)!)) as unknown as JobNonces;
    for (const p of this.#peers) {
      const shared = this.#shared.get(p)!;
      this.#sendKeys.set(p, directionKeyFromShared(shared, this.jobId, this.self, p, nonces));
      this.#recvKeys.set(p, directionKeyFromShared(shared, this.jobId, p, this.self, nonces));
      this.#sendSteps.set(p, new StepIds(stepKeyFromShared(shared, this.jobId, this.self, p, nonces)));
      this.#recvSteps.set(p, new StepIds(stepKeyFromShared(shared, this.jobId, p, this.self, nonces)));
    }
    const next = ((this.self + 1) % 3) as PartyIndex;
    const prev = ((this.self + 2) % 3) as PartyIndex;
    this.#seeds = {
      next: pairwiseSeedFromShared(this.#shared.get(next)!, this.jobId, this.self, next, nonces),
      prev: pairwiseSeedFromShared(this.#shared.get(prev)!, this.jobId, prev, this.self, nonces),
    };
    this.#nonces = nonces;
    // Notices go out before any data frame: a waiting `send` resumes only after this returns.
    for (const p of this.#peers) {
      const frame = sealFrame(this.#sendKeys.get(p)!, { from: this.self, to: p, seq: LISTENING_SEQ, chunk: 0, chunks: 1, step: RESERVED_STEP }, new Uint8Array(0));
      this.#nc.publish(subjects.p2p(this.jobId, this.self, p), frame);
    }
    this.#keysSettle.resolve();
    const waiting = [...this.#pending];
    this.#pending.clear();
    this.#pendingBytes = 0;
    for (const [from, frames] of waiting) for (const f of frames) this.#onFrame(from, f);
  }

  /** An authentic listening notice from `from`: it listens, under the same three nonces. */
  #onNotice(from: number): void {
    if (this.#peersListening.has(from)) return;
    this.#peersListening.add(from);
    if (this.#peersListening.size === this.#peers.length) for (const w of this.#listeningWaiters.splice(0)) w.resolve(new Uint8Array(0));
  }

  #onFrame(from: number, data: Uint8Array): void {
    if (this.#failure) return;
    const parsed = parseHeader(data);
    if (typeof parsed === 'string') return this.#reject(from, 'malformed', parsed);
    const h = parsed.header;
    if (h.from !== from || h.to !== this.self) return this.#reject(from, 'misdirected', `header says ${h.from}->${h.to} on the subject of ${from}->${this.self}`);
    if (h.seq === HELLO_SEQ) return this.#onHello(from, data, parsed);
    if (!this.#peerNonces.has(from)) return this.#reject(from, 'forged', 'a sealed frame before the sender\'s hello (an honest peer says hello first)');
    if (!this.#nonces) {
      this.#pendingBytes += data.length;
      if (this.#pendingBytes > MAX_PENDING_BYTES) {
        this.fail(new ChannelStreamError(from, `job ${this.jobId}: more than ${MAX_PENDING_BYTES} bytes of frames arrived before the keys of this run`));
        return;
      }
      const list = this.#pending.get(from) ?? [];
      list.push(Uint8Array.from(data));
      this.#pending.set(from, list);
      return;
    }
    if (h.seq === LISTENING_SEQ) {
      if (!isReservedStep(h.step) || h.chunks !== 1) return this.#reject(from, 'malformed', `reserved sequence ${h.seq} on a frame with a step id or several chunks`);
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
    const step = Buffer.from(h.step).toString('hex');
    const ids = this.#recvSteps.get(from)!;
    let p = this.#partial.get(from);
    if (h.chunk === 0) {
      if (p) {
        this.#reject(from, 'reordered', `new message ${ids.describe(step)} started before ${ids.describe(p.step)} was complete`);
        this.fail(new ChannelStreamError(from, `job ${this.jobId}: message from party ${from} cut short`));
        return;
      }
      p = { step, chunks: h.chunks, next: 0, parts: [], size: 0 };
    } else if (!p || p.step !== step || p.chunks !== h.chunks || p.next !== h.chunk) {
      this.#reject(from, 'reordered', `chunk ${h.chunk}/${h.chunks} of ${ids.describe(step)} out of place`);
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
    const key = `${from}|${p.step}`;
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
